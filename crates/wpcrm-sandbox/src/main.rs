fn main() {
    eprintln!("wpcrm-sandbox: not built yet");
    std::process::exit(2);
}
