//! `pip install` and the Ray helper, as README.md's "Install" and "Distributed (Ray)"
//! sections tell users to run them (issue 14):
//!
//! - the wheel builds from this checkout (`python -m maturin build --release`), installs
//!   into a fresh venv (`pip install WHEEL`, then `pip install 'ftqa[ray]'` for Ray), and
//!   its `ftqa` writes a report; `import ftqa, ftqa.ray` works there, `import ftqa` alone
//!   loads no Ray, `ftqa.binary()` is the venv's binary and `python -m ftqa --version` is
//!   Cargo's version, as is the wheel's; `pip install <checkout>` works too;
//! - 8 shards of `ftqa bench-data`, reported by hand (`report SHARD --partial` each, then
//!   `merge`) and by `ftqa.ray.report` on a local Ray cluster (`ray.init(num_cpus=4)`, 4
//!   workers), give report.json `metrics` exactly equal to `ftqa report` of the shards'
//!   folder on one machine; `ftqa.ray.dedup` writes the same kept rows and removed.jsonl as
//!   one `ftqa dedup` of the folder; the wall times are printed; a missing shard is an
//!   error naming it, with ftqa's stderr.
//!
//! `FTQA_PYTHON` names a Python with maturin (`.ci/run` makes one, with ray too, which also
//! puts ray in pip's cache for the fresh venv). Without it, or
//! where it lacks them, the tests print `SKIPPED: <reason>` to stderr; with
//! `FTQA_REQUIRE_PYTHON=1` (set by `.ci/run`) they fail instead. The wheel is built once
//! for both tests, under the test target's tmp dir, with `CARGO_TARGET_DIR` as the
//! environment gives it.

mod common;

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

/// Shards in the Ray test, and records over all of them.
const SHARDS: usize = 8;
const RECORDS: u64 = 8_000;

fn work() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-package")
}

/// Written to the process's stderr directly: the harness captures only print! macros.
fn say(msg: &str) {
    let _ = std::io::stderr().write_all(format!("{msg}\n").as_bytes());
}

/// Skips (loudly) or fails, as `FTQA_REQUIRE_PYTHON` says.
fn skip_or_fail(test: &str, reason: &str) {
    if std::env::var("FTQA_REQUIRE_PYTHON").is_ok_and(|v| v == "1") {
        panic!("{test}: Python is required (FTQA_REQUIRE_PYTHON=1) but {reason}");
    }
    say(&format!("SKIPPED: {test}: {reason}"));
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `cmd`; its output, or what went wrong (with the output).
fn run(cmd: &mut Command) -> Result<Output, String> {
    let what = format!("{cmd:?}");
    let o = cmd
        .output()
        .map_err(|e| format!("{what} cannot run: {e}"))?;
    if !o.status.success() {
        return Err(format!("{what} failed ({}):\n{}", o.status, text(&o)));
    }
    Ok(o)
}

/// The fresh venv with the wheel (and ray) installed.
struct Installed {
    venv: PathBuf,
    wheel: PathBuf,
}

impl Installed {
    fn bin(&self, name: &str) -> PathBuf {
        self.venv.join("bin").join(name)
    }

    fn python(&self) -> Command {
        let mut c = Command::new(self.bin("python"));
        c.current_dir(common::root());
        // No usage-stats prompt or upload from Ray.
        c.env("RAY_USAGE_STATS_ENABLED", "0");
        c
    }
}

/// `FTQA_PYTHON`, checked to have maturin and to make venvs with pip (Ray is installed
/// into the fresh venv by pip, as users do).
fn python() -> Result<PathBuf, String> {
    let py = std::env::var_os("FTQA_PYTHON")
        .map(PathBuf::from)
        .ok_or("FTQA_PYTHON is not set (a Python with `pip install maturin`)")?;
    run(Command::new(&py).args(["-c", "import maturin, venv, ensurepip"])).map_err(|e| {
        format!(
            "FTQA_PYTHON={} cannot import maturin, venv and ensurepip: {e}",
            py.display()
        )
    })?;
    Ok(py)
}

/// Why there is no installed venv: no usable `FTQA_PYTHON` (skip, unless required), or a
/// step that failed with one (always a failure).
enum NotInstalled {
    NoPython(String),
    Failed(String),
}

/// Builds the wheel and installs it into a fresh venv, once for every test here.
fn installed() -> &'static Result<Installed, NotInstalled> {
    static ONCE: OnceLock<Result<Installed, NotInstalled>> = OnceLock::new();
    ONCE.get_or_init(|| {
        let py = python().map_err(NotInstalled::NoPython)?;
        build_and_install(&py).map_err(NotInstalled::Failed)
    })
}

fn build_and_install(py: &Path) -> Result<Installed, String> {
    let work = work();
    let _ = std::fs::remove_dir_all(&work);
    let wheels = work.join("wheels");
    std::fs::create_dir_all(&wheels).map_err(|e| e.to_string())?;
    let t = Instant::now();
    run(Command::new(py)
        .args(["-m", "maturin", "build", "--release", "-o"])
        .arg(&wheels)
        .current_dir(common::root()))?;
    let wheel = std::fs::read_dir(&wheels)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or("maturin build wrote no wheel")?;
    say(&format!(
        "python_package: built {} in {:.0} s",
        wheel.display(),
        t.elapsed().as_secs_f64()
    ));
    let venv = work.join("venv");
    run(Command::new(py).args(["-m", "venv"]).arg(&venv))?;
    // What README.md tells users: the wheel, then Ray through the `ray` extra (ftqa
    // itself is then already satisfied; ray comes from pip's index or its cache).
    let t = Instant::now();
    for what in [wheel.display().to_string(), "ftqa[ray]".to_string()] {
        run(Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "--quiet"])
            .arg("--disable-pip-version-check")
            .arg(what))?;
    }
    say(&format!(
        "python_package: pip install WHEEL 'ftqa[ray]' into a fresh venv in {:.0} s",
        t.elapsed().as_secs_f64()
    ));
    Ok(Installed { venv, wheel })
}

/// The installed venv, or `None` after skipping (or failing, when required).
fn setup(test: &str) -> Option<&'static Installed> {
    match installed() {
        Ok(i) => Some(i),
        Err(NotInstalled::NoPython(reason)) => {
            skip_or_fail(test, reason);
            None
        }
        Err(NotInstalled::Failed(why)) => panic!("{test}: {why}"),
    }
}

fn read_json(path: &Path) -> Value {
    let s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&s).unwrap()
}

#[test]
fn wheel_installs_into_a_fresh_venv_and_reports() {
    let Some(inst) = setup("wheel_installs_into_a_fresh_venv_and_reports") else {
        return;
    };
    let name = inst.wheel.file_name().unwrap().to_string_lossy();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        name.starts_with(&format!("ftqa-{version}-")),
        "the wheel's version is not Cargo's {version}: {name}"
    );

    // The binary from the wheel's scripts reports on the shipped example.
    let out = work().join("example-report");
    let example = common::fixtures().join("sharegpt_nested.parquet");
    run(Command::new(inst.bin("ftqa"))
        .arg("report")
        .arg(&example)
        .arg("-o")
        .arg(&out)
        .args(["--quiet", "--no-progress"]))
    .unwrap();
    let report = read_json(&out.join("report.json"));
    assert!(
        report["metrics"].as_object().is_some_and(|m| !m.is_empty()),
        "report.json has no metrics"
    );

    // The package: importable with and without Ray, finds the venv's binary, runs it.
    let o = run(inst.python().args([
        "-c",
        "import sys, ftqa; assert 'ray' not in sys.modules, 'import ftqa loaded ray'; \
         print(ftqa.binary()); import ftqa.ray; print(ftqa.ray.report.__name__)",
    ]))
    .unwrap();
    let lines: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        lines,
        [inst.bin("ftqa").display().to_string(), "report".to_string()],
        "{}",
        text(&o)
    );
    let o = run(inst.python().args(["-m", "ftqa", "--version"])).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("ftqa {version}")
    );
}

/// The Ray run: `ftqa.ray.report(shards, out, num_workers=4)` on `ray.init(num_cpus=4)`,
/// timed around the call (Ray's start-up apart); then a missing shard must fail naming it.
const RAY_SCRIPT: &str = r#"
import json, sys, time
import ray
import ftqa, ftqa.ray

out, dedup_out, missing, shards = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
t0 = time.perf_counter()
ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False)
t1 = time.perf_counter()
report = ftqa.ray.report(shards, out, num_workers=4)
t2 = time.perf_counter()
ftqa.ray.dedup(shards, dedup_out, args=["--level", "semantic"], num_workers=4)
t3 = time.perf_counter()
try:
    ftqa.ray.report([shards[0], missing], out + "-bad", num_workers=2)
    bad = "no error"
except ftqa.FtqaError as e:
    bad = str(e)
ray.shutdown()
print(json.dumps({"ray_init_s": t1 - t0, "report_s": t2 - t1, "dedup_s": t3 - t2,
                  "records": report["metrics"].get("dataset.records"), "bad": bad}))
"#;

#[test]
fn ray_report_equals_single_machine_report() {
    let Some(inst) = setup("ray_report_equals_single_machine_report") else {
        return;
    };
    let dir = work().join("ray");
    let _ = std::fs::remove_dir_all(&dir);
    let shards_dir = dir.join("shards");
    std::fs::create_dir_all(&shards_dir).unwrap();
    let ftqa = inst.bin("ftqa");

    // The project's benchmark corpus, cut into 8 contiguous JSON Lines shards.
    let all = dir.join("all.jsonl");
    run(Command::new(&ftqa)
        .args(["bench-data", "--records", &RECORDS.to_string(), "--jsonl"])
        .arg(&all))
    .unwrap();
    let text_all = std::fs::read_to_string(&all).unwrap();
    let lines: Vec<&str> = text_all.lines().collect();
    assert_eq!(lines.len() as u64, RECORDS);
    let per = lines.len().div_ceil(SHARDS);
    let shards: Vec<PathBuf> = (0..SHARDS)
        .map(|i| {
            let path = shards_dir.join(format!("shard-{i}.jsonl"));
            let chunk = &lines[(i * per).min(lines.len())..((i + 1) * per).min(lines.len())];
            std::fs::write(&path, chunk.join("\n") + "\n").unwrap();
            path
        })
        .collect();

    // One machine: the folder of shards (the walk lists `shards/shard-N.jsonl`, the same
    // path form the Ray run is given).
    let single = dir.join("single");
    let t = Instant::now();
    run(Command::new(&ftqa)
        .arg("report")
        .arg(&shards_dir)
        .arg("-o")
        .arg(&single)
        .args(["--quiet", "--no-progress"]))
    .unwrap();
    let single_s = t.elapsed().as_secs_f64();

    // By hand, as README.md shows: one part per shard, then `ftqa merge parts/*.ftqa`.
    let parts = dir.join("parts");
    std::fs::create_dir_all(&parts).unwrap();
    let t = Instant::now();
    let mut part_files = Vec::new();
    for shard in &shards {
        let part = parts
            .join(shard.file_stem().unwrap())
            .with_extension("ftqa");
        run(Command::new(&ftqa)
            .arg("report")
            .arg(shard)
            .args(["--partial", "-o"])
            .arg(&part)
            .args(["--quiet", "--no-progress"]))
        .unwrap();
        part_files.push(part);
    }
    let merged = dir.join("merged");
    run(Command::new(&ftqa)
        .arg("merge")
        .args(&part_files)
        .arg("-o")
        .arg(&merged)
        .arg("--quiet"))
    .unwrap();
    let by_hand_s = t.elapsed().as_secs_f64();

    // Ray: a local cluster of 4 CPUs, 4 workers.
    let script = dir.join("ray_report.py");
    std::fs::write(&script, RAY_SCRIPT).unwrap();
    let ray_out = dir.join("ray-report");
    let ray_dedup = dir.join("ray-dedup");
    let missing = shards_dir.join("no-such-shard.jsonl");
    let t = Instant::now();
    let o = run(inst
        .python()
        .arg(&script)
        .arg(&ray_out)
        .arg(&ray_dedup)
        .arg(&missing)
        .args(&shards))
    .unwrap();
    let ray_total_s = t.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let facts: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("the Ray script printed no facts ({e}):\n{}", text(&o)));

    let a = read_json(&single.join("report.json"));
    let ma = a["metrics"].as_object().expect("single: metrics");
    assert!(!ma.is_empty(), "no metrics");
    same_metrics(
        "by hand (--partial, merge)",
        ma,
        &read_json(&merged.join("report.json")),
    );
    same_metrics("Ray", ma, &read_json(&ray_out.join("report.json")));

    // `ftqa.ray.dedup` wrote what one `ftqa dedup` over the folder writes.
    let single_dedup = dir.join("single-dedup");
    let t = Instant::now();
    run(Command::new(&ftqa)
        .arg("dedup")
        .arg(&shards_dir)
        .arg("-o")
        .arg(&single_dedup)
        .args(["--level", "semantic", "--quiet", "--no-progress"]))
    .unwrap();
    let single_dedup_s = t.elapsed().as_secs_f64();
    let removed = std::fs::read_to_string(single_dedup.join("removed.jsonl")).unwrap();
    assert!(!removed.is_empty(), "the corpus has duplicates to remove");
    let mut names: Vec<String> = vec!["removed.jsonl".into()];
    names.extend(
        shards
            .iter()
            .map(|s| s.file_name().unwrap().to_string_lossy().into_owned()),
    );
    for name in &names {
        let a = std::fs::read(single_dedup.join(name)).unwrap();
        let b = std::fs::read(ray_dedup.join(name))
            .unwrap_or_else(|e| panic!("ftqa.ray.dedup wrote no {name}: {e}"));
        assert!(a == b, "{name}: ftqa.ray.dedup differs from one ftqa dedup");
    }

    let bad = facts["bad"].as_str().unwrap_or_default();
    assert!(
        bad.contains(&missing.display().to_string()) && bad.contains("no such file"),
        "a missing shard must fail naming it, with ftqa's stderr; got: {bad}"
    );

    say(&format!(
        "python_package: {RECORDS} records in {SHARDS} shards, {} CPUs here: \
         single machine `ftqa report shards/` {single_s:.2} s wall; \
         by hand, 8 x `report --partial` one after another + `merge` {by_hand_s:.2} s; \
         ftqa.ray.report (4 workers, 1 thread each) {:.2} s wall \
         (+ {:.2} s ray.init; whole script {ray_total_s:.2} s); metrics identical ({} ids); \
         dedup --level semantic: single machine {single_dedup_s:.2} s, ftqa.ray.dedup {:.2} s, \
         identical kept rows and removed.jsonl",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        facts["report_s"].as_f64().unwrap_or(f64::NAN),
        facts["ray_init_s"].as_f64().unwrap_or(f64::NAN),
        ma.len(),
        facts["dedup_s"].as_f64().unwrap_or(f64::NAN),
    ));
}

/// Fails listing every metric id whose value differs between `single` and `other`.
fn same_metrics(label: &str, single: &serde_json::Map<String, Value>, other: &Value) {
    let other = other["metrics"]
        .as_object()
        .unwrap_or_else(|| panic!("{label}: report.json has no metrics"));
    if single == other {
        return;
    }
    let mut keys: Vec<&String> = single.keys().chain(other.keys()).collect();
    keys.sort();
    keys.dedup();
    let diff: Vec<String> = keys
        .into_iter()
        .filter(|k| single.get(*k) != other.get(*k))
        .map(|k| {
            format!(
                "  {k}: single {:?} / {label} {:?}",
                single.get(k),
                other.get(k)
            )
        })
        .collect();
    panic!(
        "the {label} report's metrics differ from the single-machine report's in {} ids:\n{}",
        diff.len(),
        diff.join("\n")
    );
}

/// README's other pip route: `pip install .` from the checkout, into another fresh venv
/// (pip builds the wheel through maturin's build backend; after the wheel test's build,
/// cargo finds the binary already compiled).
#[test]
fn pip_install_from_the_checkout() {
    let Some(_) = setup("pip_install_from_the_checkout") else {
        return;
    };
    let py = python().expect("checked by setup");
    let venv = work().join("venv-checkout");
    let _ = std::fs::remove_dir_all(&venv);
    run(Command::new(&py).args(["-m", "venv"]).arg(&venv)).unwrap();
    let t = Instant::now();
    run(Command::new(venv.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(common::root()))
    .unwrap();
    say(&format!(
        "python_package: pip install <checkout> into a fresh venv in {:.0} s",
        t.elapsed().as_secs_f64()
    ));
    let o = run(Command::new(venv.join("bin/ftqa")).arg("--version")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("ftqa {}", env!("CARGO_PKG_VERSION"))
    );
    let o = run(Command::new(venv.join("bin/python"))
        .args(["-c", "import ftqa; print(ftqa.binary())"])
        .current_dir(&venv))
    .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        venv.join("bin/ftqa").display().to_string()
    );
}
