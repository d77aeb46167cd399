//! SQL statements and client meta-commands judged: what drops, empties or rewrites
//! data (`DROP`, `TRUNCATE`, `DELETE`/`UPDATE` of every row), parsed with sqlparser
//! statement by statement so that one bad statement does not hide the next.

use super::meta::{self, Escape};
use super::{Dialect, Issue, Kind, Meta, MAX_PARSE_BYTES};
use crate::specs::vocab;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, BinaryOperator, Expr, FromTable, ObjectType,
    Statement, Value,
};
use sqlparser::dialect::{Dialect as SqlDialect, GenericDialect};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};
use std::collections::HashSet;

/// Analyse SQL text as the given client would send it.
pub fn analyse(text: &str, dialect: Dialect, meta: Meta) -> Vec<Issue> {
    let (sql, escapes) = meta::strip(text, meta);
    let mut out: Vec<Issue> = escapes
        .into_iter()
        .filter_map(|e| match e {
            // A command with no letter names no program (garbage, a bare `\!`).
            Escape::Shell(cmd) if cmd.bytes().any(|b| b.is_ascii_alphabetic()) => Some(issue(
                Kind::Shell,
                format!("the client runs the shell command `{cmd}`"),
            )),
            Escape::Shell(_) | Escape::Include(_) => None,
        })
        .collect();
    out.extend(statements(&sql, dialect, 0));
    out
}

/// DO blocks hold code, which may hold SQL in turn: analysed at most this deep.
const MAX_DEPTH: usize = 4;

/// The issues of plain SQL text (no client commands).
fn statements(sql: &str, dialect: Dialect, depth: usize) -> Vec<Issue> {
    if sql.len() > MAX_PARSE_BYTES {
        return keyword_scan_text(sql, "too large to parse");
    }
    let d = dialect.get();
    let tokens = match Tokenizer::new(d.as_ref(), sql).tokenize_with_location() {
        Ok(t) => t,
        Err(_) => match Tokenizer::new(&GenericDialect {}, sql).tokenize_with_location() {
            Ok(t) => t,
            Err(_) => return keyword_scan_text(sql, "could not be parsed"),
        },
    };
    let mut temp = HashSet::new();
    // Fast path: the whole text parses.
    let mut parser = Parser::new(d.as_ref()).with_tokens_with_locations(tokens.clone());
    if let Ok(stmts) = parser.parse_statements() {
        if parser.peek_token_ref().token == Token::EOF {
            return stmts.iter().flat_map(|s| judge(s, &mut temp)).collect();
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
            Some(stmt) => out.extend(judge(&stmt, &mut temp)),
            None => match do_block(chunk) {
                Some(body) => out.extend(code_block(&body, dialect, depth)),
                None => out.extend(keyword_scan_tokens(chunk)),
            },
        }
    }
    out
}

/// The body of a PostgreSQL `DO [LANGUAGE x] $$ … $$` block.
fn do_block(chunk: &[TokenWithSpan]) -> Option<String> {
    let mut words = chunk
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)));
    match &words.next()?.token {
        Token::Word(w) if w.value.eq_ignore_ascii_case("do") => {}
        _ => return None,
    }
    words.find_map(|t| match &t.token {
        Token::DollarQuotedString(s) => Some(s.value.clone()),
        Token::SingleQuotedString(s) => Some(s.clone()),
        _ => None,
    })
}

/// PL/pgSQL code run in place (a DO block): its SQL statements are judged as SQL,
/// and so is the text of every `EXECUTE 'literal'`; an `EXECUTE` of text built at
/// run time (`format(…)`, `||`) whose literal parts hold a destructive keyword
/// cannot be read.
fn code_block(body: &str, dialect: Dialect, depth: usize) -> Vec<Issue> {
    if depth >= MAX_DEPTH {
        return keyword_scan_text(body, "is nested too deep to read");
    }
    let d = dialect.get();
    let Ok(tokens) = Tokenizer::new(d.as_ref(), body).tokenize_with_location() else {
        return keyword_scan_text(body, "could not be parsed");
    };
    let mut out = Vec::new();
    for chunk in tokens.split(|t| t.token == Token::SemiColon) {
        let solid: Vec<&TokenWithSpan> = chunk
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect();
        // The statement starts at its first SQL keyword (after BEGIN, THEN, LOOP …).
        let start = solid.iter().position(|t| match &t.token {
            Token::Word(w) => matches!(
                w.value.to_ascii_uppercase().as_str(),
                "EXECUTE" | "DELETE" | "UPDATE" | "DROP" | "TRUNCATE" | "ALTER" | "PERFORM"
            ),
            _ => false,
        });
        let Some(start) = start else { continue };
        let first = match &solid[start].token {
            Token::Word(w) => w.value.to_ascii_uppercase(),
            _ => continue,
        };
        let rest: Vec<TokenWithSpan> = solid[start..].iter().copied().cloned().collect();
        if first == "EXECUTE" {
            let literal = match rest.get(1).map(|t| &t.token) {
                Some(Token::SingleQuotedString(s)) => Some(s.clone()),
                Some(Token::DollarQuotedString(s)) => Some(s.value.clone()),
                _ => None,
            };
            let computed = rest.get(2).is_some_and(|t| {
                !matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case("using")
                    || w.value.eq_ignore_ascii_case("into"))
            });
            match literal {
                Some(sql) if !computed => out.extend(statements(&sql, dialect, depth + 1)),
                _ => {
                    let text: String = rest
                        .iter()
                        .filter_map(|t| match &t.token {
                            Token::SingleQuotedString(s) => Some(s.clone()),
                            Token::DollarQuotedString(s) => Some(s.value.clone()),
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                    out.extend(keyword_scan_text(&text, "is built at run time by EXECUTE"));
                }
            }
            continue;
        }
        let spaced: Vec<TokenWithSpan> = chunk
            .iter()
            .skip_while(|t| !std::ptr::eq(*t, solid[start]))
            .cloned()
            .collect();
        match parse_one(&spaced, d.as_ref()) {
            Some(stmt) => out.extend(judge(&stmt, &mut HashSet::new())),
            None => out.extend(keyword_scan_tokens(&spaced)),
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

/// A routine's name that says it destroys data wholesale: a destructive verb with a
/// data-bearing noun or `all`/`everything` (`drop_all_tables`, `truncate_everything`,
/// `reset_database`); `delete_user` or `purge_old_sessions` are routine.
fn destroys_by_name(name: &str) -> bool {
    let last = name
        .rsplit('.')
        .next()
        .unwrap_or(name)
        .trim_matches(['"', '`', '[', ']']);
    let toks = vocab::tokens(last);
    let verb = toks
        .iter()
        .any(|t| vocab::code_verb(t) || matches!(t.as_str(), "reset" | "clear"));
    verb && toks.iter().any(|t| {
        matches!(t.as_str(), "all" | "everything" | "data")
            || vocab::code_noun(t).is_some_and(|n| {
                matches!(
                    n,
                    "database"
                        | "table"
                        | "tables"
                        | "schema"
                        | "keyspace"
                        | "collection"
                        | "dataset"
                )
            })
    })
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

/// The issues of one statement. `temp` holds the temporary tables created earlier in
/// the same text: dropping one of those destroys nothing that was there before.
fn judge(stmt: &Statement, temp: &mut HashSet<String>) -> Vec<Issue> {
    let mut out = Vec::new();
    match stmt {
        Statement::CreateTable(c) if c.temporary && !c.if_not_exists => {
            temp.insert(c.name.to_string().to_ascii_lowercase());
        }
        Statement::Prepare { statement, .. } => out.extend(judge(statement, temp)),
        // A stored procedure's body is not in the text: its name is what there is to
        // read (`CALL drop_all_tables()`, `CALL purge_everything()`).
        Statement::Call(f) if destroys_by_name(&f.name.to_string()) => out.push(issue(
            Kind::Drop,
            format!(
                "CALL {} (a procedure whose name says it destroys data)",
                f.name
            ),
        )),
        Statement::Drop {
            object_type,
            names,
            temporary: false,
            ..
        } if matches!(
            object_type,
            ObjectType::Table | ObjectType::Schema | ObjectType::Database
        ) && !(*object_type == ObjectType::Table
            && names
                .iter()
                .all(|n| temp.contains(&n.to_string().to_ascii_lowercase()))) =>
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
                None if d.limit.is_none() && !joined => out.push(issue(
                    Kind::Unfiltered,
                    match &d.using {
                        // Every row, as soon as the other table has one.
                        Some(_) => format!("DELETE FROM {names} USING … without WHERE"),
                        None => format!("DELETE FROM {names} without WHERE"),
                    },
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
                    AlterTableOperation::AlterColumn {
                        column_name,
                        op:
                            AlterColumnOperation::SetDataType {
                                using: Some(using), ..
                            },
                    } if !mentions(using, &column_name.value) => out.push(issue(
                        Kind::Drop,
                        format!(
                            "ALTER TABLE {} ALTER COLUMN {column_name} TYPE … USING {using}, which replaces every value of the column",
                            a.name
                        ),
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

/// Does a conversion expression read the column it converts? (`USING x::int` keeps
/// the data; `USING NULL` or `USING 0` replaces it.)
fn mentions(e: &Expr, column: &str) -> bool {
    let text = e.to_string().to_ascii_lowercase();
    let column = column.to_ascii_lowercase();
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == column)
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
