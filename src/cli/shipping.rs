//! The "Shipping" section of `interlock doctor`: each collector in `[settings.ship]`
//! with the records sent and lost so far (counted in the state directory) and the
//! last error, so a dead collector does not go unnoticed.

use super::doctor_report::{CollectorReport, Out, ShippingReport};
use interlock::audit_log::ship::{self, stats};
use interlock::policy::layers::Settings;
use interlock::render::visible;

pub fn report(out: &mut Out, settings: &Settings) {
    out.say("Shipping (copies of logged decisions to the fleet's collectors; docs/fleet.md)");
    let Some(cfg) = settings.ship.as_ref().filter(|s| s.is_on()) else {
        out.say("  --    not configured: decisions stay in the local log (`interlock log`)");
        out.say("");
        out.report.shipping = ShippingReport::default();
        return;
    };
    let bound = ship::bound(cfg).as_millis();
    out.say(format!(
        "  bound: a decision waits at most {bound} ms for the collectors"
    ));
    let ca_file = cfg
        .ca_file
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty());
    // Every record to a TLS collector is lost while the CA file cannot be read.
    let ca_file_problem = ca_file.and_then(|f| match std::fs::File::open(f) {
        Ok(_) => None,
        Err(e) => Some(format!("cannot read the CA file {f}: {e}")),
    });
    if let Some(f) = ca_file {
        match &ca_file_problem {
            None => out.say(format!("  ok    CA file {}", visible(f, false))),
            Some(p) => out.say(format!("  FAIL  {}", visible(p, false))),
        }
    }
    let counted = stats::read();
    let mut collectors = Vec::new();
    for target in ship::targets(cfg) {
        let key = match &target {
            Ok(t) => t.key(),
            Err((k, _)) => k.clone(),
        };
        let h = counted.get(&key).cloned().unwrap_or_default();
        let (status, word) = match (&target, h.lost) {
            (Err(_), _) => ("FAIL", "unusable"),
            (Ok(_), 0) => ("ok", "ok"),
            (Ok(_), _) => ("WARN", "lossy"),
        };
        out.say(format!(
            "  {status:<5} {}: {} sent, {} lost",
            visible(&key, false),
            h.sent,
            h.lost
        ));
        if let Err((_, why)) = &target {
            out.say(format!("        {}", visible(why, false)));
        }
        if let Some(e) = &h.last_error {
            out.say(format!(
                "        last error ({}): {}",
                h.last_error_time.as_deref().unwrap_or("?"),
                visible(e, false)
            ));
        }
        collectors.push(CollectorReport {
            target: key,
            status: word,
            problem: target.err().map(|(_, why)| why),
            sent: h.sent,
            lost: h.lost,
            last_sent: h.last_sent,
            last_error: h.last_error,
            last_error_time: h.last_error_time,
        });
    }
    out.say("");
    out.report.shipping = ShippingReport {
        configured: true,
        bound_ms: u64::try_from(bound).ok(),
        ca_file: ca_file.map(str::to_string),
        ca_file_problem,
        collectors,
    };
}
