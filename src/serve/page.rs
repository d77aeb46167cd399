//! The approvers' pages, rendered on the server: no script at all. Every text that
//! came from a guard goes through `render::visible` (escape sequences, bidi and
//! zero-width characters shown as escapes) and then HTML escaping.

use super::store::Row;
use crate::approval::RuleSummary;
use crate::render::visible;

/// HTML-escape text for element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Guard-supplied text, shown safely: visible, then escaped.
pub fn shown(text: &str, keep_layout: bool) -> String {
    esc(&visible(text, keep_layout))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
pre{background:#f4f4f4;padding:.8rem;white-space:pre-wrap;word-break:break-all;border-left:4px solid #c60}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
.deny{color:#b00;font-weight:bold}.confirm{color:#a60;font-weight:bold}.err{color:#b00}
button{font-size:1rem;padding:.4rem 1rem;margin-right:.5rem}";

pub fn layout(title: &str, who: Option<&str>, body: &str) -> String {
    let bar = match who {
        Some(w) => format!(
            "<p>Signed in as <b id=\"who\">{}</b> · <a href=\"/\">pending</a> <form method=\"post\" action=\"/logout\" style=\"display:inline\"><button id=\"logout\" type=\"submit\">Sign out</button></form></p>",
            esc(w)
        ),
        None => String::new(),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>{bar}{body}</body></html>",
        esc(title),
        esc(title)
    )
}

pub fn login(error: Option<&str>) -> String {
    let err = error
        .map(|e| format!("<p class=\"err\" id=\"error\">{}</p>", esc(e)))
        .unwrap_or_default();
    layout(
        "Interlock approvals: sign in",
        None,
        &format!(
            "{err}<form method=\"post\" action=\"/login\"><p><label>Name <input id=\"name\" name=\"name\" autocomplete=\"username\"></label></p><p><label>Token <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\"></label></p><p><button id=\"signin\" type=\"submit\">Sign in</button></p></form><p>Tokens are made with <code>interlock serve --add-approver NAME</code>.</p>"
        ),
    )
}

fn clip(text: &str, n: usize) -> String {
    let v = visible(text, false);
    if v.chars().count() > n {
        esc(&(v.chars().take(n).collect::<String>() + "…"))
    } else {
        esc(&v)
    }
}

fn rules_of(row: &Row) -> Vec<RuleSummary> {
    serde_json::from_str(&row.rules).unwrap_or_default()
}

pub fn index(who: &str, pending: &[Row], decided: &[Row], now: i64) -> String {
    let mut body = String::from("<h2>Waiting</h2>");
    if pending.is_empty() {
        body.push_str("<p id=\"none\">Nothing is waiting.</p>");
    } else {
        body.push_str("<table id=\"pending\"><tr><th>command</th><th>where</th><th>rules</th><th>asked</th></tr>");
        for r in pending {
            let rules: Vec<String> = rules_of(r).into_iter().map(|s| esc(&s.rule)).collect();
            body.push_str(&format!(
                "<tr><td><a class=\"request\" href=\"/r/{}\"><code>{}</code></a></td><td>{}@{}<br>{}</td><td>{}</td><td>{} s ago</td></tr>",
                esc(&r.id),
                clip(&r.command, 160),
                clip(&r.user, 40),
                clip(&r.host, 60),
                clip(&r.cwd, 80),
                rules.join("<br>"),
                (now - r.created).max(0)
            ));
        }
        body.push_str("</table>");
    }
    body.push_str("<h2>Decided</h2><table id=\"decided\"><tr><th>command</th><th>where</th><th>decision</th><th>by</th></tr>");
    for r in decided {
        body.push_str(&format!(
            "<tr><td><a href=\"/r/{}\"><code>{}</code></a></td><td>{}@{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.id),
            clip(&r.command, 120),
            clip(&r.user, 40),
            clip(&r.host, 60),
            esc(&r.status),
            clip(r.approver.as_deref().unwrap_or(""), 60)
        ));
    }
    body.push_str("</table>");
    layout("Interlock approvals", Some(who), &body)
}

pub fn request(who: &str, r: &Row, csrf: &str, error: Option<&str>) -> String {
    let mut body = String::new();
    if let Some(e) = error {
        body.push_str(&format!("<p class=\"err\" id=\"error\">{}</p>", esc(e)));
    }
    body.push_str(&format!(
        "<p>The agent asks to run, once:</p><pre id=\"command\">{}</pre><table><tr><th>host</th><td id=\"host\">{}</td></tr><tr><th>user</th><td>{}</td></tr><tr><th>directory</th><td id=\"cwd\">{}</td></tr><tr><th>repository</th><td>{}</td></tr><tr><th>agent</th><td>{}</td></tr><tr><th>command SHA-256</th><td><code>{}</code></td></tr></table><h2>Why it was stopped</h2><ul>",
        shown(&r.command, true),
        shown(&r.host, false),
        shown(&r.user, false),
        shown(&r.cwd, false),
        shown(&r.repository, false),
        shown(&r.agent, false),
        esc(&r.command_sha256),
    ));
    for s in rules_of(r) {
        let class = if s.decision == "deny" {
            "deny"
        } else {
            "confirm"
        };
        body.push_str(&format!(
            "<li><code>{}</code> <span class=\"{class}\">{}</span>: {}</li>",
            esc(&s.rule),
            esc(&s.decision),
            shown(&s.reason, false)
        ));
    }
    body.push_str("</ul>");
    if r.status == "pending" {
        let phrase = match &r.phrase {
            Some(p) => format!(
                "<p>A rule <span class=\"deny\">denies</span> this command. To let it run anyway, type <code id=\"phrase-wanted\">{}</code>: <input id=\"phrase\" name=\"phrase\" autocomplete=\"off\"></p>",
                esc(p)
            ),
            None => String::new(),
        };
        body.push_str(&format!(
            "<form method=\"post\" action=\"/r/{id}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">{phrase}<button id=\"approve\" name=\"action\" value=\"approve\" type=\"submit\">Approve once</button><button id=\"deny\" name=\"action\" value=\"deny\" type=\"submit\">Deny</button></form>",
            id = esc(&r.id),
            csrf = esc(csrf)
        ));
    } else {
        body.push_str(&format!(
            "<p id=\"decision\">{} by <b>{}</b>{}.</p>",
            if r.status == "approved" {
                "Approved"
            } else {
                "Denied"
            },
            shown(r.approver.as_deref().unwrap_or(""), false),
            r.carried_from
                .as_deref()
                .map(|c| format!(" (carried over from request {})", esc(c)))
                .unwrap_or_default()
        ));
    }
    layout("Interlock approvals: one command", Some(who), &body)
}

pub fn message(title: &str, who: Option<&str>, text: &str) -> String {
    layout(title, who, &format!("<p id=\"message\">{}</p>", esc(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_commands_are_shown_visible_and_escaped() {
        let r = Row {
            id: "ab".into(),
            command: "rm -rf /tmp/x\u{202e}fdp.txt </pre><script>alert(1)</script>\x1b[2K".into(),
            rules: "[]".into(),
            status: "pending".into(),
            ..Row::default()
        };
        let html = request("alice", &r, "c", None);
        assert!(html.contains("\\u{202e}"));
        assert!(html.contains("&lt;/pre&gt;&lt;script&gt;"));
        assert!(html.contains("\\e[2K"));
        assert!(!html.contains("<script>"));
        assert!(!html.contains('\u{202e}'));
    }
}
