//! The "Shipping" section of `interlock doctor`: each collector in `[settings.ship]`
//! with the records sent and lost so far (counted in the state directory) and the
//! last error, so a dead collector does not go unnoticed.

use interlock::audit_log::ship::{self, stats};
use interlock::policy::layers;
use interlock::render::visible;
use std::path::Path;

pub fn report(project: &Path) {
    println!("Shipping (copies of logged decisions to the fleet's collectors; docs/fleet.md)");
    let loaded = layers::load(Some(project));
    let Some(cfg) = loaded.settings.ship.filter(|s| s.is_on()) else {
        println!("  --    not configured: decisions stay in the local log (`interlock log`)");
        println!();
        return;
    };
    println!(
        "  bound: a decision waits at most {} ms for the collectors",
        ship::bound(&cfg).as_millis()
    );
    let counted = stats::read();
    for target in ship::targets(&cfg) {
        let key = match &target {
            Ok(t) => t.key(),
            Err((k, _)) => k.clone(),
        };
        let h = counted.get(&key).cloned().unwrap_or_default();
        let status = match (&target, h.lost) {
            (Err(_), _) => "FAIL",
            (Ok(_), 0) => "ok",
            (Ok(_), _) => "WARN",
        };
        println!(
            "  {status:<5} {}: {} sent, {} lost",
            visible(&key, false),
            h.sent,
            h.lost
        );
        if let Err((_, why)) = &target {
            println!("        {}", visible(why, false));
        }
        if let Some(e) = &h.last_error {
            println!(
                "        last error ({}): {}",
                h.last_error_time.as_deref().unwrap_or("?"),
                visible(e, false)
            );
        }
    }
    println!();
}
