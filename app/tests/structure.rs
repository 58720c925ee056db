//! The shape of `app/src`, checked like behaviour: the module graph between the top-level modules
//! is acyclic apart from the composition root, product modules never import the simulators,
//! features build on each other only as documented and never on the whole application state, and
//! no source file grows a second job unnoticed (a size cap, data tables excepted).
//!
//! The graph is read from the source: every `crate::<module>` path (also inside
//! `use crate::{a, b::c}` groups), comments left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// May know every module: they wire the features together.
const COMPOSITION_ROOT: [&str; 3] = ["lib", "state", "shell"];
/// Test and demo infrastructure: only the composition root may start it.
const SIMULATORS: &str = "simulator";
/// The features: each owns its types, page, server functions, service and store.
/// `admin_audit` reads the shared audit log; the features write to it, none imports the page.
const FEATURES: [&str; 8] = ["sales", "insights", "bundle_image", "billing", "accounts", "admin_audit", "settings", "quota"];
/// The only ways one feature builds on another: the insight and the image panels describe and
/// illustrate the sales analyses' results; the settings page tests a cloud account through the
/// billing provider clients and lists the accounts billing was configured with (billing reads the
/// stored accounts through the shared `credentials`, never through `settings`). Everything else
/// goes through shared modules.
const FEATURE_DEPENDENCIES: [(&str, &str); 4] = [("insights", "sales"), ("bundle_image", "sales"), ("settings", "billing"), ("quota", "billing")];
/// "About 800 lines": one job per file; a file past this is split along its seams.
const MAX_LINES: usize = 800;
/// Generated-data tables: long by nature, one job each.
const DATA_TABLES: [&str; 1] = ["warehouse/generator/catalog.rs"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("app/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn without_comments(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The top-level modules a source text names through `crate::`.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the first segment of each top-level item.
            let (mut depth, mut item, mut end) = (0usize, String::new(), group.len());
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        end = i;
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            found.insert(first_segment(&item));
            rest = &group[end..];
        } else {
            found.insert(first_segment(rest));
        }
    }
    found.retain(|m| !m.is_empty() && m != "self");
    found
}

fn first_segment(s: &str) -> String {
    s.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

struct Tree {
    /// file (relative to src) → its text without comments
    files: BTreeMap<String, String>,
    modules: BTreeSet<String>,
}

fn tree() -> Tree {
    let root = src();
    let mut paths = Vec::new();
    rust_files(&root, &mut paths);
    let files: BTreeMap<String, String> = paths
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).expect("under src").to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(p).expect("a readable source file"))
        })
        .collect();
    let modules = files.keys().map(|f| top_module(f)).collect();
    Tree { files, modules }
}

fn top_module(file: &str) -> String {
    file.split('/').next().unwrap_or(file).trim_end_matches(".rs").to_string()
}

/// module → (module it names → files that name it)
fn graph(t: &Tree) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut g: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (file, text) in &t.files {
        let from = top_module(file);
        for to in crate_paths(&without_comments(text)) {
            if to != from && t.modules.contains(&to) {
                g.entry(from.clone()).or_default().entry(to).or_default().insert(file.clone());
            }
        }
    }
    g
}

/// A cycle among `nodes` if there is one (depth-first search), as the list of modules on it.
fn find_cycle(g: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>, nodes: &BTreeSet<String>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
        nodes: &BTreeSet<String>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for next in g.get(n).map(|e| e.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            if !nodes.contains(&next) {
                continue;
            }
            match state.get(&next).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|m| *m == next).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next);
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(&next, g, nodes, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in nodes {
        if state.get(n).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, g, nodes, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn the_reader_finds_paths_in_use_groups() {
    let found = crate_paths("use crate::{money::Currency, calendar::{DateRange, shanghai}, self};\nlet x = crate::i18n::tr();");
    assert_eq!(found.into_iter().collect::<Vec<_>>(), vec!["calendar", "i18n", "money"]);
    assert_eq!(without_comments("a // crate::x\nb"), "a \nb");
}

#[test]
fn the_cycle_finder_finds_a_planted_cycle() {
    let mut g: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        g.entry(a.into()).or_default().entry(b.into()).or_default();
    }
    let nodes: BTreeSet<String> = ["a", "b", "c", "d"].into_iter().map(String::from).collect();
    assert_eq!(find_cycle(&g, &nodes), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    g.get_mut("c").map(|e| e.remove("a"));
    assert_eq!(find_cycle(&g, &nodes), None);
}

#[test]
fn modules_form_no_cycle_outside_the_composition_root() {
    let t = tree();
    let g = graph(&t);
    let nodes: BTreeSet<String> = t.modules.iter().filter(|m| !COMPOSITION_ROOT.contains(&m.as_str())).cloned().collect();
    if let Some(cycle) = find_cycle(&g, &nodes) {
        let links: Vec<String> = cycle
            .windows(2)
            .map(|w| format!("{} → {} ({:?})", w[0], w[1], g[&w[0]][&w[1]]))
            .collect();
        panic!("import cycle between modules:\n  {}", links.join("\n  "));
    }
}

/// The modules (with the files) that import `target`, apart from `allowed` and `target` itself.
fn importers(target: &str, allowed: &[&str]) -> Vec<String> {
    graph(&tree())
        .iter()
        .filter(|(from, _)| !allowed.contains(&from.as_str()) && from.as_str() != target)
        .filter_map(|(from, to)| to.get(target).map(|files| format!("{from} in {files:?}")))
        .collect()
}

#[test]
fn no_product_module_imports_the_simulators() {
    let offenders = importers(SIMULATORS, &COMPOSITION_ROOT);
    assert!(offenders.is_empty(), "product modules importing the simulators:\n  {}", offenders.join("\n  "));
}

#[test]
fn features_build_on_each_other_only_as_documented() {
    let g = graph(&tree());
    let offenders: Vec<String> = g
        .iter()
        .filter(|(from, _)| FEATURES.contains(&from.as_str()))
        .flat_map(|(from, to)| to.iter().map(move |(to, files)| (from, to, files)))
        .filter(|(from, to, _)| FEATURES.contains(&to.as_str()) && !FEATURE_DEPENDENCIES.contains(&(from.as_str(), to.as_str())))
        .map(|(from, to, files)| format!("{from} → {to} in {files:?}"))
        .collect();
    assert!(offenders.is_empty(), "features importing each other (share through a shared module):\n  {}", offenders.join("\n  "));
}

#[test]
fn only_the_composition_root_knows_the_application_state() {
    let offenders = importers("state", &COMPOSITION_ROOT);
    assert!(offenders.is_empty(), "modules reaching for the whole state (take the feature's services from the context):\n  {}", offenders.join("\n  "));
}

#[test]
fn no_source_file_over_the_cap() {
    let t = tree();
    let long: Vec<String> = t
        .files
        .iter()
        .filter(|(f, _)| !DATA_TABLES.contains(&f.as_str()))
        .map(|(f, text)| (f, text.lines().count()))
        .filter(|(_, n)| *n > MAX_LINES)
        .map(|(f, n)| format!("{f}: {n} lines"))
        .collect();
    assert!(long.is_empty(), "split these along their seams (max {MAX_LINES} lines):\n  {}", long.join("\n  "));
}

/// Markup reaches a page only through the markdown sanitiser: every `inner_html` in a view is
/// fed by `to_safe_html` (everything else is text, which Leptos escapes).
#[test]
fn raw_html_reaches_pages_only_through_the_sanitiser() {
    let mut unsafe_uses = Vec::new();
    for (file, text) in tree().files.iter().filter(|(file, _)| file.as_str() != "components/markdown.rs") {
        for (n, line) in text.lines().enumerate() {
            if line.contains("inner_html") && !line.contains("to_safe_html(") {
                unsafe_uses.push(format!("{file}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(unsafe_uses.is_empty(), "inner_html not fed by components::markdown::to_safe_html:\n  {}", unsafe_uses.join("\n  "));
}
