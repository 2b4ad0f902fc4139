fn main() -> std::process::ExitCode {
    fastwasm::cli::main()
}
