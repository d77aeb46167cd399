//! Programs that write a whole disk device or file system image given as an operand
//! (`mkfs`, `wipefs`, `sgdisk`, …). The overwrite check (`analysers::fs`) judges their
//! targets; the walker tries them inside unknown runners (`lazyrun mkfs.ext4 /dev/sdb`).

/// Programs that write a whole device (or a file system image) given as an operand.
pub fn is_device_op(p: &str) -> bool {
    p.starts_with("mkfs")
        || matches!(
            p,
            "wipefs"
                | "mkswap"
                | "mke2fs"
                | "mkntfs"
                | "mkdosfs"
                | "mkexfatfs"
                | "mkfatfs"
                | "mkudffs"
                | "sgdisk"
                | "gdisk"
                | "blkdiscard"
                | "fdisk"
                | "sfdisk"
                | "parted"
                | "cryptsetup"
                | "wipe"
                | "badblocks"
                | "hdparm"
                | "mdadm"
                | "nvme"
        )
}

/// Programs with no rule of their own that the overwrite and delete checks judge
/// (`program = ["*"]` rules): a device program, `dd`, `truncate`.
pub fn judged_without_rules(p: &str) -> bool {
    is_device_op(p) || matches!(p, "dd" | "truncate")
}
