//! Prints one trace from `data/traces.jsonl` (what `scripts/dev.sh --traces`
//! collects) as an indented tree:
//!
//!   trace-tree [--file PATH] [TRACE_ID | --list]
//!
//! Without a trace id it prints the most recent trace of more than one span
//! (a probe's lone `GET /readyz` is not what anyone is looking for); `--list`
//! lists every trace id with its first span.

use std::process::ExitCode;

use test_support::{otlp::ReceivedSpan, trace_tree};

fn main() -> ExitCode {
    let mut file = "data/traces.jsonl".to_owned();
    let (mut wanted, mut list) = (None, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--file" => file = args.next().unwrap_or_default(),
            "--list" => list = true,
            "-h" | "--help" => {
                println!("usage: trace-tree [--file PATH] [TRACE_ID | --list]");
                return ExitCode::SUCCESS;
            }
            id => wanted = Some(id.to_ascii_lowercase()),
        }
    }
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("cannot read {file}: {error} (run scripts/dev.sh --traces first)");
            return ExitCode::from(1);
        }
    };
    let spans: Vec<ReceivedSpan> = text.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    let ids = trace_tree::trace_ids(&spans);
    if list {
        for id in &ids {
            let root = spans.iter().filter(|span| &span.trace_id == id).min_by_key(|span| span.start_unix_nanos);
            println!("{id}  {}", root.map_or("", |span| span.name.as_str()));
        }
        return ExitCode::SUCCESS;
    }
    let spans_of = |id: &String| spans.iter().filter(|span| &span.trace_id == id).count();
    let Some(id) = wanted.or_else(|| ids.iter().rev().find(|id| spans_of(id) > 1).cloned()) else {
        eprintln!("{file} holds no spans yet");
        return ExitCode::from(1);
    };
    if !ids.contains(&id) {
        eprintln!("no trace {id} in {file} (try --list)");
        return ExitCode::from(1);
    }
    print!("{}", trace_tree::render(&spans, &id));
    ExitCode::SUCCESS
}
