//! `dead-letters`: list and replay the events the listeners parked.
//!
//!     dead-letters list              every dead letter, with its reason
//!     dead-letters replay SEQUENCE   publish one again on its original subject
//!     dead-letters replay --all      every one of them
//!
//! `NATS_URL` (default `nats://127.0.0.1:4222`) says where; on a cluster,
//! `kubectl port-forward svc/nats 4222` first (README, "Operating").

use std::process::ExitCode;

use devstack::dead_letters::DeadLetters;

const USAGE: &str = "usage: dead-letters list | dead-letters replay SEQUENCE | dead-letters replay --all";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = std::env::var("NATS_URL").ok().filter(|u| !u.is_empty());
    let url = url.unwrap_or_else(|| "nats://127.0.0.1:4222".to_owned());
    match run(&url, &args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("dead-letters: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(url: &str, args: &[String]) -> anyhow::Result<()> {
    let command: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut letters = DeadLetters::connect(url).await?;
    match command.as_slice() {
        ["list"] => {
            let all = letters.list().await?;
            println!("{} dead letter(s)", all.len());
            for letter in all {
                println!(
                    "{:>6}  {}  (from {}, {} deliveries)\n        reason: {}\n        payload: {}",
                    letter.sequence,
                    letter.subject,
                    letter.original_subject,
                    letter.deliveries,
                    letter.reason,
                    String::from_utf8_lossy(&letter.payload)
                );
            }
        }
        ["replay", "--all"] => {
            let all = letters.list().await?;
            for letter in &all {
                letters.replay(letter.sequence).await?;
                println!("replayed {} on {}", letter.sequence, letter.original_subject);
            }
            println!("{} replayed", all.len());
        }
        ["replay", sequence] => {
            let sequence: u64 =
                sequence.parse().map_err(|_| anyhow::anyhow!("{sequence} is not a sequence\n{USAGE}"))?;
            let letter = letters.replay(sequence).await?;
            println!("replayed {sequence} on {}", letter.original_subject);
        }
        _ => anyhow::bail!("{USAGE}"),
    }
    Ok(())
}
