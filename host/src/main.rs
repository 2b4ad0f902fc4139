fn main() -> std::process::ExitCode {
    fastwasm::main()
}
