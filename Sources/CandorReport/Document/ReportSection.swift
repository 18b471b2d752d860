/// One analysis as a part of a page: the fairness assessment, a mitigation, an explanation.
///
/// A section writes only its content; the document writes its heading, gives it a page-unique id and lists it
/// in the table of contents. Headings inside the section use `HTMLWriter.heading(_:depth:anchor:)`, relative
/// to the section's own, so the same section is a page of its own or a part of a combined report.
public protocol ReportSection: Sendable {
  /// The section's heading and its entry in the table of contents.
  var title: String { get }
  /// A short name for the section's id ("fairness"); the document makes it unique in the page.
  var anchor: String { get }
  /// Writes the content below the section's heading.
  func render(into page: inout HTMLWriter)
  /// Script the section's interactive parts need, written once per page however many sections share it (by its
  /// `id`); nil for a static section.
  var script: PageScript? { get }
}

extension ReportSection {
  public var script: PageScript? { nil }
}

/// A page's own inline script: no source fetched, nothing taken from user text (data reaches a script as JSON in
/// a data block, `HTMLWriter.dataBlock`).
public struct PageScript: Sendable, Equatable {
  public let id: String
  public let source: String

  public init(id: String, source: String) {
    precondition(!source.lowercased().contains("</script"), "a page script cannot contain its own end tag")
    (self.id, self.source) = (id, source)
  }
}
