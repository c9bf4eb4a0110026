//! The CLI's commands.

use crate::args::Args;
use crate::Failure;
use kiket::sdk::verify::{sign, signature_headers, Clock, SystemClock};
use kiket::sdk::Config;
use kiket::types::catalog;
use std::io::Read;

/// Printed on usage errors.
pub const USAGE: &str = "usage:
  kiket send <event> [--version v1] [--file payload.json] [--url http://127.0.0.1:8080] [--secret S] [--token JWT]
  kiket sample <event> [--version v1]
  kiket sign [--secret S] [--timestamp UNIX] [--file payload.json]   (reads the body from stdin without --file)
  kiket manifest check [path]
  kiket events
  kiket spec diff <old> <new>     (two schema directories, or two OpenAPI files; exit 1 on breaking changes)
  kiket new <dir> [--kiket-path <kiket-rs checkout>]   (a new extension crate: handler, manifest, tests)
  kiket queue dead-letters [--redis URL] [--extension ID]   (deferred deliveries that gave up; feature `redis`)
  kiket queue requeue <id> [--redis URL] [--extension ID]

--secret defaults to $KIKET_WEBHOOK_SECRET, --redis to $KIKET_REDIS_URL, --extension to the manifest's id.";

/// `kiket new <dir> [--kiket-path <checkout>]`.
fn new(args: &Args) -> Result<(), Failure> {
    let (Some(dir), 1) = (args.positional(0), args.positional_count()) else {
        return Err(Failure::Usage("kiket new takes one directory".into()));
    };
    let dir = std::path::Path::new(dir);
    let name = crate::new::scaffold(dir, args.option("kiket-path").map(std::path::Path::new))?;
    println!(
        "created {name} in {}

  cd {}
  cargo test
  KIKET_WEBHOOK_SECRET=whsec_… cargo run",
        dir.display(),
        dir.display()
    );
    Ok(())
}

/// Runs the command in `argv`.
pub async fn run(argv: Vec<String>) -> Result<(), Failure> {
    let Some((command, rest)) = argv.split_first() else {
        return Err(Failure::Usage("no command given".into()));
    };
    match command.as_str() {
        "send" => send(&Args::parse(rest, &["version", "file", "url", "secret", "token"])?).await,
        "sample" => sample(&Args::parse(rest, &["version"])?),
        "sign" => sign_body(&Args::parse(rest, &["secret", "timestamp", "file"])?),
        "manifest" => manifest(&Args::parse(rest, &[])?),
        "events" => events(),
        "spec" => spec(&Args::parse(rest, &[])?),
        "new" => new(&Args::parse(rest, &["kiket-path"])?),
        "queue" => crate::queue::run(&Args::parse(rest, &["redis", "extension"])?).await,
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(Failure::Usage(format!("unknown command {other:?}"))),
    }
}

fn secret_of(args: &Args) -> Result<String, Failure> {
    args.option("secret")
        .map(str::to_owned)
        .or_else(|| std::env::var(kiket::sdk::config::env::KIKET_WEBHOOK_SECRET).ok().filter(|s| !s.trim().is_empty()))
        .ok_or_else(|| Failure::Usage("no secret: pass --secret or set KIKET_WEBHOOK_SECRET".into()))
}

fn read_file(path: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Io(format!("cannot read {path}: {e}")))
}

fn sample_of(event: &str, version: &str) -> Result<serde_json::Value, Failure> {
    catalog::find(event, version).map(catalog::EventSchema::sample).ok_or_else(|| {
        Failure::Usage(format!(
            "{event}@{version} is not in the catalog (see `kiket events`); pass --file for other events"
        ))
    })
}

async fn send(args: &Args) -> Result<(), Failure> {
    let event = args.positional(0).ok_or_else(|| Failure::Usage("send needs an event name".into()))?;
    let version = args.option("version").unwrap_or("v1");
    let url = args.option("url").unwrap_or("http://127.0.0.1:8080").trim_end_matches('/');
    let secret = secret_of(args)?;
    let mut body = match args.option("file") {
        Some(path) => {
            let bytes = read_file(path)?;
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .map_err(|e| Failure::Io(format!("{path} is not JSON: {e}")))?
        }
        None => sample_of(event, version)?,
    };
    if let (Some(token), Some(object)) = (args.option("token"), body.as_object_mut()) {
        object.insert("authentication".into(), serde_json::json!({ "runtime_token": token }));
    }
    let bytes = serde_json::to_vec(&body).map_err(|e| Failure::Io(e.to_string()))?;
    let timestamp = SystemClock.now_unix();
    let target = format!("{url}/webhooks/{event}");
    eprintln!("POST {target} ({version}, {} bytes, signed)", bytes.len());
    let mut request = reqwest::Client::new()
        .post(&target)
        .header("content-type", "application/json")
        .header(kiket::types::headers::EVENT_VERSION.name(), version);
    for (name, value) in signature_headers(&secret, timestamp, &bytes) {
        request = request.header(name, value);
    }
    let response =
        request.body(bytes).send().await.map_err(|e| Failure::Io(format!("could not reach {target}: {e}")))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    println!("{}", status.as_u16());
    println!("{text}");
    if status.is_success() {
        Ok(())
    } else {
        Err(Failure::Rejected(format!("the extension answered {status}")))
    }
}

fn sample(args: &Args) -> Result<(), Failure> {
    let event = args.positional(0).ok_or_else(|| Failure::Usage("sample needs an event name".into()))?;
    let sample = sample_of(event, args.option("version").unwrap_or("v1"))?;
    println!("{}", serde_json::to_string_pretty(&sample).unwrap_or_default());
    Ok(())
}

fn sign_body(args: &Args) -> Result<(), Failure> {
    let secret = secret_of(args)?;
    let timestamp = match args.option("timestamp") {
        Some(text) => text
            .parse::<i64>()
            .map_err(|_| Failure::Usage(format!("--timestamp must be unix seconds, got {text:?}")))?,
        None => SystemClock.now_unix(),
    };
    let body = match args.option("file") {
        Some(path) => read_file(path)?,
        None => {
            let mut buffer = Vec::new();
            std::io::stdin().read_to_end(&mut buffer).map_err(|e| Failure::Io(format!("cannot read stdin: {e}")))?;
            buffer
        }
    };
    println!("{}: {timestamp}", kiket::types::headers::TIMESTAMP);
    println!("{}: {}", kiket::types::headers::SIGNATURE, sign(&secret, timestamp, &body));
    Ok(())
}

fn manifest(args: &Args) -> Result<(), Failure> {
    if args.positional(0) != Some("check") || args.positional_count() > 2 {
        return Err(Failure::Usage("expected `kiket manifest check [path]`".into()));
    }
    let builder = Config::builder().with_env();
    let builder = match args.positional(1) {
        Some(path) => builder.manifest_path(path),
        None => {
            let cwd = std::env::current_dir().map_err(|e| Failure::Io(e.to_string()))?;
            if kiket::sdk::manifest::discover(&cwd).is_none() {
                return Err(Failure::Rejected(format!(
                    "no extension.yaml, extension.yml, manifest.yaml or manifest.yml in {}",
                    cwd.display()
                )));
            }
            builder.discover_manifest(cwd)
        }
    };
    let config = builder.build().map_err(|e| Failure::Rejected(format!("manifest check failed: {e}")))?;
    println!("{}", serde_json::to_string_pretty(&config.describe()).unwrap_or_default());
    eprintln!("manifest OK");
    Ok(())
}

fn events() -> Result<(), Failure> {
    for entry in catalog::EVENTS {
        println!("{:<34} {:<4} {}", entry.event, entry.version, entry.type_name);
    }
    Ok(())
}

fn spec(args: &Args) -> Result<(), Failure> {
    let (Some("diff"), Some(old), Some(new), 3) =
        (args.positional(0), args.positional(1), args.positional(2), args.positional_count())
    else {
        return Err(Failure::Usage("expected `kiket spec diff <old> <new>`".into()));
    };
    let changes =
        crate::spec_diff::diff_paths(std::path::Path::new(old), std::path::Path::new(new)).map_err(Failure::Io)?;
    for change in &changes {
        println!("{change}");
    }
    let breaking = changes.iter().filter(|c| c.impact == crate::spec_diff::Impact::Breaking).count();
    println!("{} changes: {breaking} breaking, {} additive", changes.len(), changes.len() - breaking);
    if breaking > 0 {
        return Err(Failure::Rejected(format!("{breaking} breaking change(s) for extension authors")));
    }
    Ok(())
}
