//! Writes the seed corpus for every fuzz target: `cargo run --example make_corpus -- DIR`
//! (benches/fuzz.sh runs it when fuzz/corpus is missing).

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "corpus".to_string());
    let n = ftqa::load::fuzzing::write_seed_corpus(std::path::Path::new(&dir))?;
    println!("wrote {n} seed files under {dir}");
    Ok(())
}
