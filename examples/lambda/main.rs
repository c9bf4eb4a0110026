//! The quickstart's handler on AWS Lambda, behind an API Gateway HTTP API or a Function URL.
//! Build and deploy with cargo-lambda (see `examples/lambda/README.md`):
//!
//! ```text
//! cargo lambda build --release -p kiket-examples --features lambda --example lambda
//! cargo lambda deploy --binary-name lambda kiket-extension
//! ```
//!
//! Configuration is the same as on a server: `KIKET_WEBHOOK_SECRET` (or the manifest), and
//! the other `KIKET_*` variables, set on the function.

use kiket::prelude::*;

struct OnIssueCreated;

impl IssueCreatedV1Handler for OnIssueCreated {
    async fn handle(&self, issue: IssueCreatedV1, ctx: HandlerContext) -> HandlerResult {
        tracing::info!(issue = %issue.issue.id, delivery = ctx.delivery().key().unwrap_or("-"), "issue created");
        Ok(Reply::json(serde_json::json!({"ok": true, "seen": issue.issue.id.to_string()})))
    }
}

#[tokio::main]
async fn main() -> Result<(), kiket::Error> {
    kiket::lambda::run(Router::new().issue_created_v1(OnIssueCreated)).await
}
