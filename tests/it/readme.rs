//! The README's recipes, run: every `clawscan` command in its `sh` blocks that can run
//! offline runs here against the bundled logs (its placeholder paths replaced by
//! files in `testdata/`), and must succeed. Commands that need a live gateway,
//! journald, `openclaw`, Spark or a terminal are listed in [`SKIPPED`] with why; a
//! recipe that is neither run nor listed fails the test, so a new one cannot be
//! added untested. The `$ clawscan …` transcripts in `text` blocks are compared with
//! what the command prints now. Also checks the install step (issue 19).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{BIN, root};

/// Recipes not run, by a text each contains, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "openclaw gateway --verbose",
        "needs a running OpenClaw gateway",
    ),
    ("journalctl", "needs journald and the gateway's service"),
    ("tail -F", "follows live files until Ctrl-C"),
    ("openclaw logs --follow", "needs `openclaw` and a gateway"),
    (
        "clawscan -F",
        "follows the gateway's file logs until Ctrl-C (or a live event)",
    ),
    (
        "/tmp/openclaw/openclaw-2026-11-24.log",
        "the gateway's own file log of a given day",
    ),
    ("clawscan check  ", "reads the user's ~/.openclaw"),
    (
        "clawscan diagnose  ",
        "reads the gateway's file logs when on a terminal",
    ),
    (
        "clawscan report -o report.md  ",
        "reads the gateway's file logs when on a terminal",
    ),
    (
        "spark-submit",
        "needs Spark (scripts/test-spark.sh runs the job)",
    ),
];

/// Placeholder paths in the recipes and the bundled files that stand for them.
const STAND_INS: &[(&str, &str)] = &[
    (" gateway.log", " testdata/gateway-verbose.log"),
    (" other.log", " testdata/formats/wrapped.log"),
    (" ~/openclaw-archive/", " testdata/archive/logs/"),
    (" logs/", " testdata/archive/logs/"),
    (
        " old.log.gz",
        " testdata/archive/logs/2026-04/openclaw-2026-04-01.log.gz",
    ),
    (" path/to/dir", " testdata/config/guide-follower"),
    (" FILE...", " testdata/config/guide-follower/openclaw.json"),
];

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// The fenced blocks of `lang`, each as its lines.
fn blocks(text: &str, lang: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cur: Option<Vec<String>> = None;
    for line in text.lines() {
        match &mut cur {
            None if line == format!("```{lang}") => cur = Some(Vec::new()),
            Some(_) if line == "```" => out.extend(cur.take()),
            Some(b) => b.push(line.to_string()),
            None => {}
        }
    }
    out
}

/// The commands of an `sh` block: continuation lines joined, trailing comments (two
/// spaces or more, then `#`) and comment lines dropped.
fn commands(block: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in block {
        if let Some(head) = line.strip_suffix('\\') {
            cur.push_str(head);
            continue;
        }
        cur.push_str(line);
        let cmd = match cur.find("  #") {
            Some(i) => cur[..i].trim_end().to_string(),
            None => cur.trim_end().to_string(),
        };
        cur.clear();
        if !cmd.trim().is_empty() && !cmd.trim_start().starts_with('#') {
            out.push(cmd);
        }
    }
    out
}

/// The recipe with its placeholders replaced by bundled files.
fn with_stand_ins(cmd: &str) -> String {
    let mut c = format!("{cmd} ");
    for (from, to) in STAND_INS {
        c = c.replace(&format!("{from} "), &format!("{to} "));
        c = c.replace(&format!("{from}\n"), &format!("{to}\n"));
    }
    c.trim_end().to_string()
}

/// A scratch directory to run recipes in: `testdata` is the crate's, and `HOME` is
/// fresh (what a new user has), so nothing is written into the checkout.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(root().join("testdata"), dir.path().join("testdata")).unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Scratch { dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// Runs `script` with bash (pipefail: a failing `clawscan` before `| jq` counts).
    fn run(&self, script: &str) -> std::process::Output {
        let bin_dir = Path::new(BIN).parent().unwrap();
        let path = std::env::join_paths(
            std::iter::once(bin_dir.to_path_buf())
                .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
        )
        .unwrap();
        Command::new("bash")
            .args(["-c", &format!("set -euo pipefail\n{script}")])
            .current_dir(self.dir.path())
            .env("PATH", path)
            .env("HOME", self.home())
            // A zone two hours east of UTC: the recipes' local times meet the sample logs.
            .env("TZ", "XYZ-2")
            .env_remove("OPENCLAW_STATE_DIR")
            .env_remove("OPENCLAW_CONFIG_PATH")
            .env_remove("NO_COLOR")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    }
}

fn skip_reason(cmd: &str) -> Option<usize> {
    // Trailing spaces in a skip key mean "the command ends here": the bare form only.
    let padded = format!("{cmd}  ");
    SKIPPED
        .iter()
        .position(|(key, _)| cmd.contains(key) || padded.ends_with(key))
}

#[test]
fn every_offline_recipe_runs_against_the_bundled_logs() {
    let scratch = Scratch::new();
    let mut used = vec![false; SKIPPED.len()];
    let mut ran = 0;
    for block in blocks(&readme(), "sh") {
        let cmds = commands(&block);
        if cmds.iter().any(|c| c.starts_with("mkdir -p")) {
            continue; // the install recipes: see below
        }
        for cmd in cmds {
            if !cmd.contains("clawscan") || cmd.starts_with("cargo ") {
                continue;
            }
            if let Some(i) = skip_reason(&cmd) {
                used[i] = true;
                continue;
            }
            let script = with_stand_ins(&cmd);
            let o = scratch.run(&script);
            let err = String::from_utf8_lossy(&o.stderr);
            // 1 is "nothing found" (or `check`'s "findings"): output still follows.
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "README recipe failed ({:?}): {cmd}\n(run as: {script})\n{err}",
                o.status.code()
            );
            assert!(
                !o.stdout.is_empty() || script.contains("-o report.md"),
                "no output: {script}"
            );
            assert!(!err.contains("panicked"), "{script}: {err}");
            ran += 1;
        }
    }
    assert!(ran >= 15, "only {ran} recipes ran");
    for ((key, why), used) in SKIPPED.iter().zip(used) {
        assert!(
            used,
            "no README recipe matches the skip entry {key:?} ({why})"
        );
    }
    // `-o report.md` wrote where the recipe says.
    assert!(scratch.dir.path().join("report.md").is_file());
}

#[test]
fn the_completion_and_man_recipes_work_on_a_fresh_home() {
    let scratch = Scratch::new();
    let block = blocks(&readme(), "sh")
        .into_iter()
        .find(|b| b.iter().any(|l| l.contains("clawscan completions bash")))
        .expect("the completions recipe");
    // All but reading the page (`man` is not everywhere): the commands as written.
    let script: Vec<String> = commands(&block)
        .into_iter()
        .filter(|c| !c.starts_with("man "))
        .collect();
    let o = scratch.run(&script.join("\n"));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let home = scratch.home();
    for file in [
        ".local/share/bash-completion/completions/clawscan",
        ".zfunc/_clawscan",
        ".config/fish/completions/clawscan.fish",
        ".local/share/man/man1/clawscan.1",
        ".local/share/man/man1/clawscan-diagnose.1",
    ] {
        let len = std::fs::metadata(home.join(file)).map_or(0, |m| m.len());
        assert!(len > 100, "{file}: {len} bytes");
    }
}

#[test]
fn the_transcripts_are_what_clawscan_prints() {
    let scratch = Scratch::new();
    let mut checked = 0;
    for block in blocks(&readme(), "text") {
        let Some(cmd) = block.first().and_then(|l| l.strip_prefix("$ ")) else {
            continue;
        };
        if !cmd.starts_with("clawscan") {
            continue;
        }
        let o = scratch.run(cmd);
        let got = String::from_utf8_lossy(&o.stdout);
        let want = block[1..].join("\n");
        assert_eq!(got.trim_end(), want.trim_end(), "{cmd}");
        checked += 1;
    }
    assert!(checked >= 1);
}

#[test]
fn the_install_step_is_documented_checked_and_stripped() {
    let text = readme();
    assert!(text.contains("cargo install --locked --path ."), "README");
    assert!(text.contains("~/.cargo/bin"), "README says where it lands");
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.contains("cargo install --locked --path . --root"),
        ".ci/run installs"
    );
    let manifest: toml::Table = std::fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let release = &manifest["profile"]["release"];
    assert_eq!(release.get("strip"), Some(&toml::Value::Boolean(true)));
    assert!(
        release
            .get("debug")
            .is_none_or(|d| d == &toml::Value::Boolean(false)),
        "{release:?}"
    );
}
