import CandorTestSupport
import Foundation
import Testing

/// `candor demo`: the tour on samples/ through one report, reproducible against the committed reports/demo.*, and
/// its page laid out in a real browser with nothing overflowing or clipped.
@Suite struct DemoCLITests {
  /// The demo run once in a folder of its own (samples/ linked in), shared by the tests.
  static let run: (folder: URL, result: CommandResult) = {
    let folder = try! temporaryDirectory()
    try! FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("samples"), withDestinationURL: Fixtures.repositoryRoot.appendingPathComponent("samples"))
    return (folder, try! CandorBinary.run(["demo"], in: folder))
  }()

  /// A document with what changes from run to run and machine to machine (times, the hashes that chain the fresh
  /// ledger's timed lines, the commit, the machine) taken out.
  static func timeless(_ text: String) throws -> String {
    var text = text
    for (pattern, stand) in [(#"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"#, "TIME"), (#"\b[0-9a-f]{64}\b"#, "SHA256"), (#"\b[0-9a-f]{40}\b"#, "COMMIT")] {
      text = text.replacing(try Regex(pattern), with: stand)
    }
    // The demo in the test runs outside any git work tree; the committed one names its commit.
    return text.replacingOccurrences(of: ", commit COMMIT", with: "")
  }

  /// Whether two renderings of the demo agree: the same text between their numbers, and each number within 1e-9
  /// of the other (relative). OpenBLAS picks its kernels by CPU (AVX-512 on one machine, generic SSE3 on another)
  /// and the logistic solve then differs in the last bits (about 1e-14), which every score-based number inherits;
  /// forcing one kernel set is not safe (PLATFORM.md). Returns the first difference, or nil.
  static func difference(_ ours: String, _ committed: String) throws -> String? {
    let number = try Regex(#"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"#)
    func split(_ text: String) -> (skeleton: String, numbers: [Double]) {
      (text.replacing(number, with: "#"), text.matches(of: number).map { Double(text[$0.range])! })
    }
    let (a, b) = (split(ours), split(committed))
    guard a.skeleton == b.skeleton else {
      let at = zip(a.skeleton, b.skeleton).prefix { $0 == $1 }.count
      return "the text differs after \(a.skeleton.prefix(at).suffix(120))"
    }
    for (x, y) in zip(a.numbers, b.numbers) where abs(x - y) > 1e-9 * max(abs(x), abs(y)) + 1e-12 {
      return "\(x) where the committed file has \(y)"
    }
    return nil
  }

  static func timelessJSON(_ data: Data) throws -> String {
    var document = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    var provenance = document["provenance"] as! [String: Any]
    provenance["machine"] = nil
    provenance["git_commit"] = nil
    document["provenance"] = provenance
    return try timeless(String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), as: UTF8.self))
  }

  @Test("candor demo writes reports/demo.html and reports/demo.json — every analysis ok, DP-SGD at ε = 1 charged to a fresh ledger, both models audited — and they are the committed reports/ but for times, hashes and the machine")
  func demo() throws {
    let (folder, result) = Self.run
    #expect(result.exitCode == 0, "\(result.standardError)")
    let data = try Data(contentsOf: folder.appendingPathComponent("reports/demo.json"))
    try LibraryParityCLITests.expectValid(data, "candor-report.schema.json")
    let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let analyses = json["analyses"] as! [String: [String: Any]]
    #expect(Set(analyses.keys) == ["performance", "fairness", "mitigation", "explanations", "glassbox", "whatif", "privacy"])
    #expect(analyses.allSatisfy { $0.value["status"] as? String == "ok" }, "\(analyses.mapValues { $0["status"] ?? "" })")
    let privacy = analyses["privacy"]!["result"] as! [String: [String: Any]]
    #expect(privacy["dp_train"]?["target_epsilon"] as? Double == 1 && privacy["dp_audit"] != nil && privacy["audit"] != nil)
    #expect((privacy["ledger"]!["spends"] as! [Any]).count == 1 && (privacy["ledger"]!["budget"] as! [String: Double])["epsilon"] == 3)
    let sets = (analyses["fairness"]!["result"] as! [String: Any])["sensitive_sets"] as! [String: Any]
    #expect(Set(sets.keys) == ["sex", "race", "sex|race"])
    let committed = Fixtures.repositoryRoot.appendingPathComponent("reports")
    let jsonDifference = try Self.difference(Self.timelessJSON(data), Self.timelessJSON(Data(contentsOf: committed.appendingPathComponent("demo.json"))))
    #expect(jsonDifference == nil, "reports/demo.json is not what candor demo writes (run make demo and commit reports/)")
    let html = try String(contentsOf: folder.appendingPathComponent("reports/demo.html"), encoding: .utf8)
    let htmlDifference = try Self.difference(Self.timeless(html), Self.timeless(String(contentsOf: committed.appendingPathComponent("demo.html"), encoding: .utf8)))
    #expect(htmlDifference == nil, "reports/demo.html is not what candor demo writes (run make demo and commit reports/)")
  }

  @Test("candor demo outside a checkout says where to run it and writes nothing")
  func outsideCheckout() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try CandorBinary.run(["demo"], in: folder)
    #expect(result.exitCode == 2 && result.standardError.contains("run it from the root of a Candor checkout"), "\(result.standardError)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
  }

  @Test("a demo refused before it spends anything leaves the ledger as it was and makes no folder",
        arguments: [["--set", "sensitive=[no_such_column]"], ["--set", "data.train=samples/no_such.csv"],
                    ["--set", "analyses.privacy.ledger=new_folder/sub/x.ledger"], ["--set", "analyses.fairness.bootstrap=1"]])
  func refusedKeepsLedger(_ arguments: [String]) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let manager = FileManager.default
    for name in ["samples", "reports"] { try manager.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: true) }
    for name in ["demo.yaml", "adult_train.csv", "adult_test.csv", "adult_feature_spec.json"] {
      try manager.copyItem(atPath: Fixtures.sample(name), toPath: folder.appendingPathComponent("samples/\(name)").path)
    }
    let ledger = folder.appendingPathComponent("reports/demo.ledger")
    try Data("an earlier ledger, kept byte for byte\n".utf8).write(to: ledger)
    let result = try CandorBinary.run(["demo"] + arguments, in: folder)
    #expect(result.exitCode == 2, "\(arguments): \(result.standardError)")
    #expect(try Data(contentsOf: ledger) == Data("an earlier ledger, kept byte for byte\n".utf8), "\(arguments)")
    #expect(!manager.fileExists(atPath: folder.appendingPathComponent("new_folder").path))
    #expect(try manager.contentsOfDirectory(atPath: folder.appendingPathComponent("reports").path).filter { !$0.hasSuffix(".lock") } == ["demo.ledger"])
  }

  /// Opens every `<details>`, then measures at 1280 px: an element whose content runs past its own box without
  /// being a scroll box, a page wider than the window, SVG text outside its drawing; then moves the what-if panel's
  /// first control and reads whether the prediction changed. The verdict is written into the page for --dump-dom.
  static let measuringScript = """
    (function(){document.querySelectorAll('details').forEach(function(d){d.open=true;});
    var problems=[];function name(el){return el.tagName.toLowerCase()+(el.id?'#'+el.id:'')+(el.className&&el.className.baseVal===undefined?'.'+el.className:'');}
    var root=document.documentElement;if(root.scrollWidth>root.clientWidth+1)problems.push('the page is '+root.scrollWidth+' px wide in a '+root.clientWidth+' px window');
    document.querySelectorAll('body *').forEach(function(el){if(el.closest('svg')||el.clientWidth===0)return;var s=getComputedStyle(el);
      if(s.overflowX==='auto'||s.overflowX==='scroll')return;if(el.scrollWidth>el.clientWidth+1)problems.push(name(el)+' overflows: '+el.scrollWidth+' px of content in '+el.clientWidth+' px');});
    document.querySelectorAll('svg text').forEach(function(t){var svg=t.ownerSVGElement;while(svg.ownerSVGElement)svg=svg.ownerSVGElement;var b=svg.getBoundingClientRect(),r=t.getBoundingClientRect();
      if(r.width===0)return;if(r.left<b.left-1||r.right>b.right+1||r.top<b.top-1||r.bottom>b.bottom+1)problems.push('SVG text clipped: "'+t.textContent.slice(0,60)+'"');});
    var panel=document.querySelector('div.panel[data-spec]'),updates=false;if(panel){var out=panel.querySelector('output[data-role=prediction]'),before=out.textContent;
      var controls=panel.querySelectorAll('[data-feature]');for(var i=0;i<controls.length&&!updates;i++){var el=controls[i];var old=el.value;
        if(el.tagName==='SELECT'){el.selectedIndex=(el.selectedIndex+1)%el.options.length;el.dispatchEvent(new Event('change'));}
        else{el.value=el.value===el.max?el.min:el.max;el.dispatchEvent(new Event('input'));}
        updates=out.textContent!==before;}}
    var pre=document.createElement('pre');pre.id='candor-layout';pre.textContent=JSON.stringify({problems:problems,panel:!!panel,updates:updates});document.body.appendChild(pre);})();
    """

  @Test("reports/demo.html in headless Chromium at 1280 px: no console message, nothing overflows its box, no SVG text clipped, the what-if panel updates, and a screenshot is taken",
        .enabled(if: Chromium.isAvailable, "needs Debian's chromium; make test installs it"))
  func layout() throws {
    let (folder, result) = Self.run
    #expect(result.exitCode == 0, "\(result.standardError)")
    let page = folder.appendingPathComponent("reports/demo.html")
    let (_, console) = try Chromium.load(page, windowWidth: 1280)
    #expect(console.isEmpty, "\(console)")
    let html = try String(contentsOf: page, encoding: .utf8)
    let measured = folder.appendingPathComponent("measured.html")
    try html.replacingOccurrences(of: "</body>", with: "<script data-candor=\"test\">\(Self.measuringScript)</script></body>").write(to: measured, atomically: true, encoding: .utf8)
    let (dom, _) = try Chromium.load(measured, windowWidth: 1280)
    let start = try #require(dom.range(of: "<pre id=\"candor-layout\">")), end = try #require(dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex))
    let text = String(dom[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    let verdict = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect((verdict["problems"] as? [String])?.isEmpty == true, "\(verdict["problems"] ?? "")")
    #expect(verdict["panel"] as? Bool == true && verdict["updates"] as? Bool == true, "\(verdict)")
    let png = folder.appendingPathComponent("demo.png")
    try Chromium.screenshot(page, to: png)
    let bytes = try Data(contentsOf: png)
    #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && bytes.count > 50_000, "a screenshot of the page")
  }

  @Test("the comparison with the committed reports allows last-bit differences of numbers, nothing else")
  func comparison() throws {
    #expect(try Self.difference(#"{"a": 0.1975306840241547, "n": 3}"#, #"{"a": 0.19753068402415475, "n": 3}"#) == nil)
    #expect(try Self.difference("x 1e-300 y", "x 2e-300 y") == nil)
    #expect(try Self.difference(#"{"a": 0.1975}"#, #"{"a": 0.1976}"#) == "0.1975 where the committed file has 0.1976")
    #expect(try Self.difference(#"{"a": 1, "b": 2}"#, #"{"a": 1, "c": 2}"#) != nil)
    #expect(try Self.difference("3 rows", "3 rows, 2 more") != nil)
  }
}
