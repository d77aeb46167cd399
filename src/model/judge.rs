//! What the walker hands what it finds to. The policy (`policy::Policy`) is the judge
//! the engine gives it; the walker itself knows no rule.

use super::invocation::Invocation;
use super::{Context, Finding};
use std::ops::Range;

pub trait Judge {
    /// Every finding the rules raise for one invocation that would run.
    fn match_invocation(&self, inv: &Invocation, ctx: &Context, out: &mut Vec<Finding>);
    /// The findings the rules raise for a structural event (a computed program name,
    /// code from a pipe, text that did not parse, a limit reached).
    fn event_findings(
        &self,
        event: &str,
        span: Range<usize>,
        detail: Option<String>,
    ) -> Vec<Finding>;
    /// One finding for the event: the strictest rule's, or a default (a confirm for the
    /// events that fail closed).
    fn event_finding(&self, event: &str, span: Range<usize>, detail: Option<String>) -> Finding;
    /// Does some rule look at this program? (For text that did not parse.)
    fn watches(&self, program: &str) -> bool;
}
