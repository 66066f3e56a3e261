//! The previous run beside the new one: each number in a table row of the
//! new report is followed by the same row's number from the report it
//! replaces, as `new (was old)`, where the section, the row's label and the
//! column match. Rows or sections that are new are left as they are, and a
//! line under the title says which run the figures in brackets come from.

use std::collections::HashMap;

/// The rows of every table in `markdown`, keyed by (section, first cell),
/// each a list of cells after the first; only each cell's first word is
/// kept, so a report that already shows `(was …)` gives its own figures.
fn rows(markdown: &str) -> HashMap<(String, String), Vec<String>> {
    let mut section = String::new();
    let mut rows = HashMap::new();
    for line in markdown.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            section = heading.trim().to_owned();
        } else if let Some(cells) = table_cells(line) {
            let mut cells = cells.into_iter();
            let Some(label) = cells.next() else { continue };
            let values = cells.map(|cell| cell.split(" (was ").next().unwrap_or_default().to_owned()).collect();
            rows.insert((section.clone(), label), values);
        }
    }
    rows
}

/// The trimmed cells of a table row; `None` for other lines and separators.
fn table_cells(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    if inner.chars().all(|c| matches!(c, '-' | ':' | '|' | ' ')) {
        return None;
    }
    Some(inner.split('|').map(|cell| cell.trim().to_owned()).collect())
}

/// The date in the previous report's "Measured by … , YYYY-MM-DD." line.
fn measured_on(markdown: &str) -> Option<&str> {
    let line = markdown.lines().find(|line| line.starts_with("Measured by"))?;
    line.trim_end_matches('.').rsplit(", ").next()
}

/// `new` with `previous`'s figures beside its own.
pub(crate) fn beside(new: &str, previous: &str) -> String {
    let old = rows(previous);
    if old.is_empty() {
        return new.to_owned();
    }
    let mut section = String::new();
    let mut out = String::with_capacity(new.len() * 2);
    for line in new.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            section = heading.trim().to_owned();
        }
        let merged = table_cells(line).and_then(|cells| {
            let (label, values) = cells.split_first()?;
            let before = old.get(&(section.clone(), label.clone()))?;
            let values = values.iter().enumerate().map(|(at, value)| match before.get(at) {
                Some(was) if is_number(value) && is_number(was) => format!("{value} (was {was})"),
                _ => value.clone(),
            });
            Some(format!("| {label} | {} |", values.collect::<Vec<_>>().join(" | ")))
        });
        out.push_str(merged.as_deref().unwrap_or(line));
        out.push('\n');
        if line.starts_with("Measured by") {
            let date = measured_on(previous).unwrap_or("the previous run");
            out.push_str(&format!(
                "\nIn brackets, `(was …)`: the previous run's figure ({date}), where the row existed.\n"
            ));
        }
    }
    out
}

fn is_number(cell: &str) -> bool {
    cell.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::beside;

    const OLD: &str = "# Benchmarks\n\nMeasured by `scripts/bench.sh` on X (2 cores), 2026-12-01.\n\n\
        ## Memory\n\n| Service | Idle | Peak |\n|---|---:|---:|\n| auth | 9.5 | 11.5 |\n| gone | 1 | 2 |\n";

    #[test]
    fn each_figure_is_followed_by_the_previous_runs_in_the_same_row() {
        let new = "# Benchmarks\n\nMeasured by `scripts/bench.sh` on X (2 cores), 2026-12-05.\n\n\
            ## Memory\n\n| Service | Idle | Peak |\n|---|---:|---:|\n| auth | 9.1 | 40.0 |\n| tickets | 12.0 | 13.0 |\n";
        let merged = beside(new, OLD);
        assert!(merged.contains("| auth | 9.1 (was 9.5) | 40.0 (was 11.5) |"), "{merged}");
        assert!(merged.contains("| tickets | 12.0 | 13.0 |"), "a new row stays as it is: {merged}");
        assert!(merged.contains("|---|---:|---:|"), "separators stay: {merged}");
        assert!(merged.contains("previous run's figure (2026-12-01)"), "{merged}");
    }

    #[test]
    fn a_report_that_already_shows_an_older_run_gives_only_its_own_figures() {
        let older = OLD.replace("| auth | 9.5 | 11.5 |", "| auth | 9.5 (was 8.0) | 11.5 (was 10.0) |");
        let new = "## Memory\n\n| Service | Idle | Peak |\n|---|---:|---:|\n| auth | 9.1 | 40.0 |\n";
        assert!(beside(new, &older).contains("| auth | 9.1 (was 9.5) | 40.0 (was 11.5) |"));
    }

    #[test]
    fn text_cells_and_other_sections_are_left_alone() {
        let new = "## Other\n\n| Service | Idle | Peak |\n|---|---:|---:|\n| auth | 1 | 2 |\n\
            ## Memory\n\n| Service | Idle | Peak |\n|---|---:|---:|\n| auth | n/a | 2 |\n";
        let merged = beside(new, OLD);
        assert!(
            merged.contains("## Other\n\n| Service | Idle | Peak |\n|---|---:|---:|\n| auth | 1 | 2 |"),
            "{merged}"
        );
        assert!(merged.contains("| auth | n/a | 2 (was 11.5) |"), "{merged}");
    }
}
