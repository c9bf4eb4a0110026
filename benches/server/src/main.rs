//! The SDK as benchmarked: a typed `IssueCreatedV1Handler` answering
//! `{"ok":true,"title":<issue.title>}`, HMAC verification as in production, telemetry on (no
//! URL), configured only from `HOST`, `PORT` and `KIKET_WEBHOOK_SECRET`. The replay guard is
//! off: wrk sends one signed delivery over and over, and with the guard on every copy after
//! the first would be answered from the replay store without running the handler.
//!
//! Built and started by `cargo run --release --example loadbench`; on its own:
//! `cargo run --release --manifest-path benches/server/Cargo.toml`

use kiket::prelude::*;

struct Title;

impl IssueCreatedV1Handler for Title {
    async fn handle(&self, payload: IssueCreatedV1, _ctx: HandlerContext) -> HandlerResult {
        #[derive(serde::Serialize)]
        struct Answer {
            ok: bool,
            title: Option<String>,
        }
        Ok(Reply::json(Answer { ok: true, title: payload.issue.title }))
    }
}

#[tokio::main]
async fn main() -> Result<(), kiket::Error> {
    let config = Config::builder().with_env().replay_guard_off().build()?;
    Ok(Extension::new(Router::new().issue_created_v1(Title), config)?.run().await?)
}
