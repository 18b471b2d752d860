/// What every fuzz target uses to report a broken invariant: a trap, which libFuzzer records as a crash with
/// the input that caused it. (Compiled into each target by Fuzz/run.sh.)
func fail(_ message: String) -> Never {
  fatalError("fuzz invariant broken: \(message)")
}

func require(_ condition: Bool, _ message: @autoclosure () -> String) {
  if !condition { fail(message()) }
}
