//! `kiket queue dead-letters` and `kiket queue requeue <id>`: the dead-letter list of an
//! extension's Redis queue (built with the `redis` feature).

use crate::cli::QueueArgs;
#[cfg(feature = "redis")]
use crate::cli::QueueCommand;
use crate::Failure;

/// `kiket queue <dead-letters | requeue <id>> [--redis URL] [--extension ID]`.
#[cfg(feature = "redis")]
pub async fn run(args: QueueArgs) -> Result<(), Failure> {
    use crate::terminal::clean;
    use kiket::sdk::queue::Queue;
    use kiket::sdk::redis::{RedisConnection, RedisQueue};

    let url = args
        .redis
        .or_else(|| std::env::var(kiket::sdk::config::env::KIKET_REDIS_URL).ok().filter(|v| !v.trim().is_empty()))
        .ok_or_else(|| Failure::Usage("no Redis: pass --redis redis://host:6379 or set KIKET_REDIS_URL".into()))?;
    let extension = match args.extension {
        Some(id) => Some(id),
        None => manifest_id()?,
    };
    let redis = RedisConnection::new(&url, extension.as_deref()).map_err(|e| Failure::Usage(e.to_string()))?;
    let queue = RedisQueue::new(redis);
    let unavailable = |e: kiket::sdk::replay::StoreError| Failure::Io(e.to_string());
    match args.command {
        QueueCommand::DeadLetters => {
            let letters = queue.dead_letters().await.map_err(unavailable)?;
            println!("{} dead letter(s) in {}", letters.len(), clean(queue.name()));
            // Everything here was read from Redis, which anyone with write access to it fills.
            for letter in letters {
                println!(
                    "{}\t{}@{}\tattempts={}\tdead_at_ms={}\t{}",
                    clean(&letter.id),
                    clean(&letter.event),
                    clean(&letter.version),
                    letter.attempts,
                    letter.dead_at_ms,
                    clean(&letter.reason)
                );
            }
            Ok(())
        }
        QueueCommand::Requeue { id } => {
            if queue.requeue(&id).await.map_err(unavailable)? {
                println!("requeued {}", clean(&id));
                Ok(())
            } else {
                Err(Failure::Rejected(format!("no dead letter {} in {}", clean(&id), clean(queue.name()))))
            }
        }
    }
}

/// The id of the manifest in the working directory, if there is one.
#[cfg(feature = "redis")]
fn manifest_id() -> Result<Option<String>, Failure> {
    let cwd = std::env::current_dir().map_err(|e| Failure::Io(e.to_string()))?;
    let Some(path) = kiket::sdk::manifest::discover(&cwd) else { return Ok(None) };
    let manifest = kiket::sdk::manifest::load(&path).map_err(|e| Failure::Rejected(e.to_string()))?;
    Ok(manifest.id)
}

/// Without the `redis` feature there is no queue to look at.
#[cfg(not(feature = "redis"))]
pub async fn run(_args: QueueArgs) -> Result<(), Failure> {
    Err(Failure::Usage(
        "this kiket binary was built without the `redis` feature: cargo install kiket-cli --features redis".into(),
    ))
}
