//! SQL statements and client meta-commands judged: what drops, empties or rewrites
//! data (`DROP`, `TRUNCATE`, `DELETE`/`UPDATE` of every row), parsed with sqlparser
//! statement by statement so that one bad statement does not hide the next.

use super::{Dialect, Issue, Kind, Meta, MAX_PARSE_BYTES};
use sqlparser::ast::{
    AlterTableOperation, BinaryOperator, Expr, FromTable, ObjectType, Statement, Value,
};
use sqlparser::dialect::{Dialect as SqlDialect, GenericDialect};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// Analyse SQL text as the given client would send it.
pub fn analyse(text: &str, dialect: Dialect, meta: Meta) -> Vec<Issue> {
    let sql = strip_meta(text, meta);
    if sql.len() > MAX_PARSE_BYTES {
        return keyword_scan_text(&sql, "too large to parse");
    }
    let d = dialect.get();
    let tokens = match Tokenizer::new(d.as_ref(), &sql).tokenize_with_location() {
        Ok(t) => t,
        Err(_) => match Tokenizer::new(&GenericDialect {}, &sql).tokenize_with_location() {
            Ok(t) => t,
            Err(_) => return keyword_scan_text(&sql, "could not be parsed"),
        },
    };
    // Fast path: the whole text parses.
    let mut parser = Parser::new(d.as_ref()).with_tokens_with_locations(tokens.clone());
    if let Ok(stmts) = parser.parse_statements() {
        if parser.peek_token_ref().token == Token::EOF {
            return stmts.iter().flat_map(judge).collect();
        }
    }
    // Statement by statement, skipping past what does not parse.
    let mut out = Vec::new();
    for chunk in tokens.split(|t| t.token == Token::SemiColon) {
        if chunk
            .iter()
            .all(|t| matches!(t.token, Token::Whitespace(_)))
        {
            continue;
        }
        match parse_one(chunk, d.as_ref()).or_else(|| parse_one(chunk, &GenericDialect {})) {
            Some(stmt) => out.extend(judge(&stmt)),
            None => out.extend(keyword_scan_tokens(chunk)),
        }
    }
    out
}

fn parse_one(chunk: &[TokenWithSpan], d: &dyn SqlDialect) -> Option<Statement> {
    let mut p = Parser::new(d).with_tokens_with_locations(chunk.to_vec());
    let stmt = p.parse_statement().ok()?;
    (p.peek_token_ref().token == Token::EOF).then_some(stmt)
}

const DESTRUCTIVE_KEYWORDS: &[&str] = &["DROP", "TRUNCATE", "DELETE", "UPDATE", "PURGE"];

fn unparsed(word: &str, why: &str) -> Issue {
    Issue {
        kind: Kind::Unparsed,
        what: format!("SQL that {why} contains {word}"),
    }
}

fn keyword_scan_tokens(chunk: &[TokenWithSpan]) -> Vec<Issue> {
    // A statement that starts `DROP …` or `TRUNCATE …` drops, whatever follows
    // (`DROP KEYSPACE shop` in CQL, dialect extensions sqlparser does not know).
    let words: Vec<&str> = chunk
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .take(4)
        .map_while(|t| match &t.token {
            Token::Word(w) => Some(w.value.as_str()),
            _ => None,
        })
        .collect();
    if let Some(first) = words.first() {
        let up = first.to_ascii_uppercase();
        if up == "DROP" || up == "TRUNCATE" {
            return vec![issue(Kind::Drop, words.join(" "))];
        }
    }
    for t in chunk {
        if let Token::Word(w) = &t.token {
            if w.quote_style.is_none() {
                let up = w.value.to_ascii_uppercase();
                if DESTRUCTIVE_KEYWORDS.contains(&up.as_str()) {
                    return vec![unparsed(&up, "could not be parsed")];
                }
            }
        }
    }
    Vec::new()
}

fn keyword_scan_text(text: &str, why: &str) -> Vec<Issue> {
    for word in text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
        if word.len() >= 4 && word.len() <= 8 {
            let up = word.to_ascii_uppercase();
            if DESTRUCTIVE_KEYWORDS.contains(&up.as_str()) {
                return vec![unparsed(&up, why)];
            }
        }
    }
    Vec::new()
}

/// Shorten a statement for a message.
fn short(s: String) -> String {
    const MAX: usize = 120;
    if s.len() <= MAX {
        return s;
    }
    let mut cut = MAX;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &s[..cut])
}

fn issue(kind: Kind, what: String) -> Issue {
    Issue {
        kind,
        what: short(what),
    }
}

fn judge(stmt: &Statement) -> Vec<Issue> {
    let mut out = Vec::new();
    match stmt {
        Statement::Drop {
            object_type,
            names,
            temporary: false,
            ..
        } if matches!(
            object_type,
            ObjectType::Table | ObjectType::Schema | ObjectType::Database
        ) =>
        {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            out.push(issue(
                Kind::Drop,
                format!("DROP {object_type} {}", names.join(", ")),
            ));
        }
        Statement::Truncate(t) => {
            let names: Vec<String> = t.table_names.iter().map(|n| n.name.to_string()).collect();
            out.push(issue(Kind::Drop, format!("TRUNCATE {}", names.join(", "))));
        }
        Statement::Delete(d) => {
            let tables = match &d.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            let joined = tables.iter().any(|t| !t.joins.is_empty());
            let names: Vec<String> = if d.tables.is_empty() {
                tables.iter().map(|t| t.relation.to_string()).collect()
            } else {
                d.tables.iter().map(|t| t.to_string()).collect()
            };
            let names = names.join(", ");
            match &d.selection {
                None if d.using.is_none() && d.limit.is_none() && !joined => out.push(issue(
                    Kind::Unfiltered,
                    format!("DELETE FROM {names} without WHERE"),
                )),
                Some(e) if always_true(e) => out.push(issue(
                    Kind::Unfiltered,
                    format!("DELETE FROM {names} WHERE {e}, which is always true"),
                )),
                _ => {}
            }
        }
        Statement::Update(u) => {
            let table = u.table.relation.to_string();
            match &u.selection {
                None if u.limit.is_none() => out.push(issue(
                    Kind::Unfiltered,
                    format!("UPDATE {table} without WHERE"),
                )),
                Some(e) if always_true(e) => out.push(issue(
                    Kind::Unfiltered,
                    format!("UPDATE {table} WHERE {e}, which is always true"),
                )),
                _ => {}
            }
        }
        Statement::AlterTable(a) => {
            for op in &a.operations {
                match op {
                    AlterTableOperation::DropColumn { column_names, .. } => {
                        let cols: Vec<String> =
                            column_names.iter().map(|c| c.to_string()).collect();
                        out.push(issue(
                            Kind::Drop,
                            format!("ALTER TABLE {} DROP COLUMN {}", a.name, cols.join(", ")),
                        ));
                    }
                    AlterTableOperation::DropPartitions { .. } => out.push(issue(
                        Kind::Drop,
                        format!("ALTER TABLE {} DROP PARTITION", a.name),
                    )),
                    _ => {}
                }
            }
        }
        Statement::CreateTable(c) if c.or_replace => out.push(issue(
            Kind::Drop,
            format!(
                "CREATE OR REPLACE TABLE {} replaces the table and its rows",
                c.name
            ),
        )),
        _ => {}
    }
    out
}

/// A WHERE that every row satisfies: `1=1`, `TRUE`, `1`, `x = x`, `… OR 1=1`.
fn always_true(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Boolean(b) => *b,
            Value::Number(n, _) => !n.to_string().trim_start_matches(['0', '.']).is_empty(),
            _ => false,
        },
        Expr::Nested(inner) => always_true(inner),
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::Or => always_true(left) || always_true(right),
            BinaryOperator::And => always_true(left) && always_true(right),
            BinaryOperator::Eq | BinaryOperator::GtEq | BinaryOperator::LtEq => {
                left.to_string() == right.to_string()
            }
            _ => false,
        },
        _ => false,
    }
}

/// Remove what the client handles itself, so the parser sees only SQL.
fn strip_meta(text: &str, meta: Meta) -> String {
    match meta {
        Meta::Backslash => strip_psql(text),
        Meta::Dot => text
            .lines()
            .filter(|l| !l.trim_start().starts_with('.'))
            .collect::<Vec<_>>()
            .join("\n"),
        Meta::MySql => strip_mysql(text),
        Meta::None => text.to_string(),
    }
}

/// psql: a backslash outside quotes starts a meta-command that runs to the end of
/// the line; `:var`, `:'var'` and `:"var"` are variables psql substitutes.
fn strip_psql(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut quote: Option<char> = None;
    let mut dollar: Option<String> = None;
    let mut prev = '\0';
    while let Some((i, c)) = chars.next() {
        if let Some(tag) = &dollar {
            if text[i..].starts_with(tag.as_str()) {
                out.push_str(tag);
                for _ in 1..tag.chars().count() {
                    chars.next();
                }
                dollar = None;
            } else {
                out.push(c);
            }
            prev = c;
            continue;
        }
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '$' => {
                let rest = &text[i + 1..];
                let end = rest.find(|x: char| !(x.is_alphanumeric() || x == '_'));
                match end {
                    Some(e) if rest[e..].starts_with('$') && !prev.is_alphanumeric() => {
                        let tag = format!("${}$", &rest[..e]);
                        out.push_str(&tag);
                        for _ in 0..tag.chars().count() - 1 {
                            chars.next();
                        }
                        dollar = Some(tag);
                    }
                    _ => out.push(c),
                }
            }
            '-' if text[i..].starts_with("--") => {
                for (_, x) in chars.by_ref() {
                    if x == '\n' {
                        break;
                    }
                }
                out.push('\n');
            }
            '\\' => {
                for (_, x) in chars.by_ref() {
                    if x == '\n' {
                        break;
                    }
                }
                // A meta-command ends the statement, as `;` would.
                out.push_str(";\n");
            }
            ':' if prev != ':' => match chars.peek().map(|(_, x)| *x) {
                Some('\'') | Some('"') => {}
                Some(x) if x.is_alphabetic() || x == '_' => out.push_str("__psql_var_"),
                _ => out.push(c),
            },
            _ => out.push(c),
        }
        prev = c;
    }
    out
}

/// mysql: `\G` and `\g` end a statement; `DELIMITER x` changes the terminator;
/// `source`, `use` and other client commands on their own line are not SQL.
fn strip_mysql(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut delimiter = ";".to_string();
    for line in text.lines() {
        let t = line.trim_start();
        let lower: String = t.chars().take(10).collect::<String>().to_ascii_lowercase();
        if lower.starts_with("delimiter")
            && t.as_bytes().get(9).is_none_or(|b| b.is_ascii_whitespace())
        {
            delimiter = t[9..].trim().to_string();
            if delimiter.is_empty() {
                delimiter = ";".into();
            }
            out.push_str(";\n");
            continue;
        }
        if lower.starts_with("source ") || lower.starts_with("\\.") {
            continue;
        }
        let mut l = line.replace("\\G", ";").replace("\\g", ";");
        if delimiter != ";" {
            l = l.replace(delimiter.as_str(), ";");
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str, d: Dialect, m: Meta) -> Vec<Kind> {
        analyse(sql, d, m).into_iter().map(|i| i.kind).collect()
    }

    #[test]
    fn statements() {
        let pg = |s| kinds(s, Dialect::Postgres, Meta::Backslash);
        assert_eq!(pg("DROP TABLE users"), [Kind::Drop]);
        assert_eq!(pg("drop schema public cascade"), [Kind::Drop]);
        assert_eq!(pg("TRUNCATE users"), [Kind::Drop]);
        assert_eq!(pg("DELETE FROM users"), [Kind::Unfiltered]);
        assert_eq!(pg("DELETE FROM users WHERE 1=1"), [Kind::Unfiltered]);
        assert_eq!(pg("UPDATE users SET a = 1"), [Kind::Unfiltered]);
        assert_eq!(pg("ALTER TABLE users DROP COLUMN email"), [Kind::Drop]);
        assert!(pg("DELETE FROM users WHERE id = 3").is_empty());
        assert!(pg("UPDATE users SET a = 1 WHERE id = __psql_var_id").is_empty());
        assert!(pg("SELECT 'DROP TABLE users'").is_empty());
        assert!(pg("CREATE TABLE t (id int); INSERT INTO t VALUES (1)").is_empty());
        assert!(pg("DROP INDEX idx").is_empty());
    }

    #[test]
    fn psql_meta_commands_and_variables() {
        let pg = |s| kinds(s, Dialect::Postgres, Meta::Backslash);
        assert_eq!(pg("\\c prod\nDROP TABLE users;\n\\q"), [Kind::Drop]);
        assert!(pg("\\dt\nSELECT 1 \\gx\n").is_empty());
        assert!(pg("DELETE FROM t WHERE id = :id").is_empty());
        assert!(pg("DELETE FROM t WHERE id = :'id'").is_empty());
        assert!(pg("SELECT '\\not meta'; SELECT 1::int").is_empty());
        assert!(
            pg("CREATE FUNCTION f() RETURNS void AS $$ DELETE FROM t $$ LANGUAGE sql").is_empty()
        );
    }

    #[test]
    fn one_bad_statement_does_not_hide_the_next() {
        let pg = |s| kinds(s, Dialect::Postgres, Meta::Backslash);
        assert_eq!(pg("SELEC 1; DROP TABLE users;"), [Kind::Drop]);
        assert_eq!(pg("FROB the DROP thing"), [Kind::Unparsed]);
        assert_eq!(
            analyse("DROP KEYSPACE shop", Dialect::Generic, Meta::None),
            [Issue {
                kind: Kind::Drop,
                what: "DROP KEYSPACE shop".into()
            }]
        );
        assert!(pg("FROB nothing").is_empty());
        assert_eq!(pg("SELECT 'unterminated; DROP TABLE x"), [Kind::Unparsed]);
    }

    #[test]
    fn mysql_forms() {
        let my = |s| kinds(s, Dialect::MySql, Meta::MySql);
        assert_eq!(my("DROP DATABASE `prod`"), [Kind::Drop]);
        assert!(my("DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id").is_empty());
        assert!(my("DELETE FROM t LIMIT 10").is_empty());
        assert!(my("SELECT * FROM t\\G").is_empty());
        assert!(my("DROP TEMPORARY TABLE tmp").is_empty());
    }
}
