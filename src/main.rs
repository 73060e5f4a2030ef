use clap::Parser;

fn main() {
    let cli = ftqa::cli::Cli::parse();
    match ftqa::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
