//! The kernel calls behind the confinement: a private mount namespace (in a user
//! namespace unless we are root), bind mounts, capability drops and a Landlock domain.
//!
//! Everything here runs in the process that is about to `execve` the confined program,
//! so it only makes system calls (no allocation-heavy work between them matters: the
//! process is single-threaded, or the caller falls back to a fresh exec).

use nix::libc;
use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn cpath(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path holds a NUL byte"))
}

/// Enter a new mount namespace; unless root, inside a new user namespace that maps
/// only our own uid and gid (so the programs run later hold no capability at all).
pub fn new_namespaces(root: bool) -> io::Result<()> {
    if root {
        // SAFETY: plain system call.
        return check(unsafe { libc::unshare(libc::CLONE_NEWNS) });
    }
    let uid = nix::unistd::getuid().as_raw();
    let gid = nix::unistd::getgid().as_raw();
    // SAFETY: plain system call.
    check(unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) })?;
    std::fs::write("/proc/self/setgroups", b"deny")?;
    std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1\n"))?;
    std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1\n"))?;
    Ok(())
}

/// Nothing mounted here travels back to the namespace we came from.
pub fn make_slave() -> io::Result<()> {
    let root = cpath(Path::new("/"))?;
    // SAFETY: valid C strings; null pointers where the call allows them.
    check(unsafe {
        libc::mount(
            std::ptr::null(),
            root.as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_SLAVE,
            std::ptr::null(),
        )
    })
}

/// Bind `p` onto itself: it becomes a mount point, which cannot be renamed, removed or
/// replaced from this namespace (EBUSY), while its contents stay as writable as before.
pub fn pin(p: &Path) -> io::Result<()> {
    let c = cpath(p)?;
    // SAFETY: valid C strings; null pointers where the call allows them.
    check(unsafe {
        libc::mount(
            c.as_ptr(),
            c.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND | libc::MS_REC,
            std::ptr::null(),
        )
    })
}

/// Cover the directory `p` with an empty, read-only tmpfs: what was in it cannot be
/// read, listed or written from this namespace, and the mount cannot be removed
/// (no capability to unmount).
pub fn hide(p: &Path) -> io::Result<()> {
    let c = cpath(p)?;
    let fstype = CString::new("tmpfs").map_err(|_| io::Error::other("nul"))?;
    let data =
        CString::new("size=4k,nr_inodes=1,mode=0500").map_err(|_| io::Error::other("nul"))?;
    // SAFETY: valid C strings.
    check(unsafe {
        libc::mount(
            fstype.as_ptr(),
            c.as_ptr(),
            fstype.as_ptr(),
            libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            data.as_ptr().cast(),
        )
    })
}

/// Bind `p` onto itself read-only. The flags the kernel locks on the mount beneath
/// (nosuid, nodev, noexec, atime) are kept, as a remount inside a user namespace must.
pub fn read_only(p: &Path) -> io::Result<()> {
    pin(p)?;
    let c = cpath(p)?;
    // SAFETY: `st` is written by statvfs before it is read.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    check(unsafe { libc::statvfs(c.as_ptr(), &mut st) })?;
    let mut flags = libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY;
    for (st_flag, ms_flag) in [
        (libc::ST_NOSUID, libc::MS_NOSUID),
        (libc::ST_NODEV, libc::MS_NODEV),
        (libc::ST_NOEXEC, libc::MS_NOEXEC),
        (libc::ST_NOATIME, libc::MS_NOATIME),
        (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
        (libc::ST_RELATIME, libc::MS_RELATIME),
    ] {
        if st.f_flag & st_flag != 0 {
            flags |= ms_flag;
        }
    }
    // SAFETY: valid C strings; null pointers where the call allows them.
    check(unsafe {
        libc::mount(
            std::ptr::null(),
            c.as_ptr(),
            std::ptr::null(),
            flags,
            std::ptr::null(),
        )
    })
}

/// Capabilities a root process could use to undo the mounts or reach outside them
/// (mount/umount/setns, modules, raw I/O, ptrace, device nodes, BPF, perf, LSM policy).
const ROOT_CAPS_DROPPED: [u32; 9] = [21, 16, 17, 19, 27, 39, 38, 33, 32];

/// Root only: drop the capabilities above from the bounding set and from this
/// process's effective, permitted and inheritable sets, so neither this process nor
/// anything it runs (setuid programs included) gets them back.
pub fn drop_root_caps() -> io::Result<()> {
    for cap in ROOT_CAPS_DROPPED {
        // SAFETY: plain prctl.
        let rc = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
        // EINVAL: a capability this kernel does not know; nothing to drop.
        if rc < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL) {
            return Err(io::Error::last_os_error());
        }
    }
    // SAFETY: plain prctl.
    unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    };
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const VERSION_3: u32 = 0x2008_0522;
    let mut header = Header {
        version: VERSION_3,
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    // SAFETY: header and two data words, as _LINUX_CAPABILITY_VERSION_3 expects.
    check(unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) } as i32)?;
    for cap in ROOT_CAPS_DROPPED {
        let (word, bit) = ((cap / 32) as usize, 1u32 << (cap % 32));
        data[word].effective &= !bit;
        data[word].permitted &= !bit;
        data[word].inheritable &= !bit;
    }
    header.version = VERSION_3;
    // SAFETY: as above.
    check(unsafe { libc::syscall(libc::SYS_capset, &header, data.as_ptr()) } as i32)
}

/// Tearing a mount namespace down waits for an RCU grace period (milliseconds on a
/// busy machine), and it happens when the last process in it exits: the command the
/// agent waits for. A small child keeps the namespace alive so the teardown happens
/// later: until this process's command has exited (or 3 s) when `shared` is false, or
/// for `reuse::HOLD_SECS` when later commands may join the namespace (`reuse.rs`).
/// The child holds no file descriptor, so nobody waits for its output. Returns the
/// child's pid.
pub fn hold_namespace(shared: bool) -> Option<i32> {
    const STACK: usize = 64 * 1024;
    // The child shares this process's memory (CLONE_VM: no page tables to copy, the
    // cost of a fork) and runs only `hold` on a stack of its own. It makes only
    // system calls that cannot fail, so it never writes errno; when this process
    // execs, the child keeps the old memory alive until it exits.
    let stack = Box::leak(vec![0u8; STACK].into_boxed_slice());
    // SAFETY: the stack top is inside the leaked allocation, 16-byte aligned.
    let top = unsafe { stack.as_mut_ptr().add(STACK) } as usize & !15;
    // SAFETY: getpid has no failure mode.
    let parent = unsafe { libc::getpid() } as usize;
    let arg = if shared { 0 } else { parent };
    // SAFETY: `hold` touches nothing but its argument and makes raw system calls.
    let pid = unsafe {
        libc::clone(
            hold,
            top as *mut libc::c_void,
            libc::CLONE_VM | libc::SIGCHLD,
            arg as *mut libc::c_void,
        )
    };
    (pid > 0).then_some(pid)
}

/// The holder: wait for the parent's death (or 3 seconds) when `parent` is set,
/// else hold the namespace for `reuse::HOLD_SECS`; then leave.
extern "C" fn hold(parent: *mut libc::c_void) -> libc::c_int {
    let secs = if parent.is_null() {
        super::reuse::HOLD_SECS
    } else {
        3
    };
    // SAFETY: plain system calls.
    unsafe {
        if !parent.is_null() {
            libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            );
            if libc::getppid() as usize != parent as usize {
                libc::syscall(libc::SYS_exit, 0);
            }
        } else {
            // Its own session: the terminal's hangup and the agent's signals to the
            // command's process group do not reach it.
            libc::setsid();
        }
        libc::syscall(libc::SYS_close_range, 0u32, u32::MAX, 0u32);
        let t = libc::timespec {
            tv_sec: secs as libc::time_t,
            tv_nsec: 0,
        };
        libc::syscall(libc::SYS_nanosleep, &t as *const libc::timespec, 0usize);
        libc::syscall(libc::SYS_exit, 0);
    }
    0
}

/// Join the namespace open at `fd` (`setns`).
pub fn set_namespace(fd: libc::c_int, kind: libc::c_int) -> io::Result<()> {
    // SAFETY: plain system call on a descriptor the caller owns.
    check(unsafe { libc::setns(fd, kind) })
}

/// Landlock's ABI version, or `None` when the kernel has no Landlock.
pub fn landlock_abi() -> Option<i64> {
    const VERSION: u32 = 1;
    // SAFETY: the documented version query: null attributes, size 0.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            VERSION,
        )
    };
    (v > 0).then_some(v)
}

/// Enter a Landlock domain that changes no file access but, as every Landlock domain
/// does, forbids ptrace of processes outside it. That closes `/proc/PID/root`,
/// `/proc/PID/mem` and `ptrace` of the unconfined agent and of Interlock itself, the
/// ways out of a mount namespace for a process of the same uid.
pub fn landlock_ptrace_scope() -> io::Result<()> {
    // LANDLOCK_ACCESS_FS_MAKE_BLOCK and _REFER, handled and then granted beneath `/`:
    // no change. REFER must be handled, or Landlock refuses every link or rename
    // into another directory (EXDEV), which it does for backward compatibility.
    const MAKE_BLOCK: u64 = 1 << 11;
    const REFER: u64 = 1 << 13;
    if landlock_abi().unwrap_or(0) < 2 {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "Landlock ABI 2 or later is needed (renames into other directories)",
        ));
    }
    let handled = MAKE_BLOCK | REFER;
    const RULE_PATH_BENEATH: libc::c_int = 1;
    #[repr(C)]
    struct RulesetAttr {
        handled_access_fs: u64,
    }
    #[repr(C, packed)]
    struct PathBeneath {
        allowed_access: u64,
        parent_fd: i32,
    }
    let attr = RulesetAttr {
        handled_access_fs: handled,
    };
    // SAFETY: a valid attribute struct and its size.
    let ruleset = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            std::mem::size_of::<RulesetAttr>(),
            0u32,
        )
    };
    if ruleset < 0 {
        return Err(io::Error::last_os_error());
    }
    let ruleset = ruleset as libc::c_int;
    let result = (|| {
        let root = cpath(Path::new("/"))?;
        // SAFETY: a valid C string.
        let fd = unsafe { libc::open(root.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let rule = PathBeneath {
            allowed_access: handled,
            parent_fd: fd,
        };
        // SAFETY: a valid rule for RULE_PATH_BENEATH.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_landlock_add_rule,
                ruleset,
                RULE_PATH_BENEATH,
                &rule as *const PathBeneath,
                0u32,
            )
        };
        // SAFETY: our own descriptor.
        unsafe { libc::close(fd) };
        check(rc as i32)?;
        // SAFETY: plain system call on our ruleset.
        check(unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0u32) } as i32)
    })();
    // SAFETY: our own descriptor.
    unsafe { libc::close(ruleset) };
    result
}

/// Is `p` the root of a mount (as the files the confinement binds are)?
pub fn is_mount_root(p: &Path) -> bool {
    let Ok(c) = cpath(p) else {
        return false;
    };
    // SAFETY: `st` is written by statx before it is read.
    let mut st: libc::statx = unsafe { std::mem::zeroed() };
    let rc = unsafe {
        libc::statx(
            libc::AT_FDCWD,
            c.as_ptr(),
            0,
            libc::STATX_BASIC_STATS,
            &mut st,
        )
    };
    rc == 0
        && st.stx_attributes_mask & libc::STATX_ATTR_MOUNT_ROOT as u64 != 0
        && st.stx_attributes & libc::STATX_ATTR_MOUNT_ROOT as u64 != 0
}

/// Is `p`'s file system mounted read-only here?
pub fn is_read_only(p: &Path) -> bool {
    let Ok(c) = cpath(p) else {
        return false;
    };
    // SAFETY: `st` is written by statvfs before it is read.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    (unsafe { libc::statvfs(c.as_ptr(), &mut st) }) == 0 && st.f_flag & libc::ST_RDONLY != 0
}

/// May this process create or remove entries in directory `p`?
pub fn writable_dir(p: &Path) -> bool {
    cpath(p)
        .map(|c| unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0)
        .unwrap_or(false)
}
