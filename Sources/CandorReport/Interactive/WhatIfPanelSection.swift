import CandorCore
import CandorExplain
import CandorModels

/// The interactive what-if panel of an offline page: a control per feature (a slider within the training range for
/// a numeric one, a list of its training levels for a text one), the prediction updating as the reader moves them,
/// and buttons that load the row or a counterfactual. The page scores rows itself with the model's parameters
/// (`ModelScript`); for a model it cannot carry, it says why and shows no controls.
public struct WhatIfPanelSection: ReportSection {
  public enum Control: Sendable, Equatable {
    case numeric(name: String, minimum: Double, maximum: Double, integral: Bool, value: Double)
    case categorical(name: String, levels: [String], value: String)
  }

  public var controls: [Control]
  /// Named rows the reader can load: the row itself, then each counterfactual.
  public var presets: [(name: String, values: [String: WhatIfValue])]
  public var modelJSON: String?
  public var reason: String?
  /// The class whose probability the panel shows first.
  public var focusClass: String?

  public var title: String { "Try it: change the row" }
  public var anchor: String { "whatif-panel" }
  public var script: PageScript? { modelJSON == nil ? nil : PageScript(id: "whatif-panel", source: ModelScript.scorer + Self.controller) }

  /// Controls for `row` of `data` over every feature `model` reads (numeric: the data's min–max, whole steps when
  /// every value is whole; text: its levels), presets as given.
  public init(model: any Model, data: Table, row: Int, presets: [(name: String, values: [String: WhatIfValue])], focusClass: String?) {
    var controls: [Control] = []
    for name in model.featureNames {
      guard let column = data[name] else { continue }
      switch column {
      case let .numeric(numbers):
        let present = numbers.values.filter { !$0.isNaN }
        guard let low = present.min(), let high = present.max() else { continue }
        let x = numbers.values[row]
        controls.append(.numeric(name: name, minimum: low, maximum: high, integral: present.allSatisfy { $0 == $0.rounded() }, value: x.isNaN ? low : x))
      case let .categorical(text):
        let current = column.text(at: row) ?? Table.missingLevelName
        var levels = text.presentLevels.sorted()
        if !levels.contains(current) { levels.append(current) }
        controls.append(.categorical(name: name, levels: levels, value: current))
      }
    }
    // A preset outside the data's range (a counterfactual under a wider --range) widens its slider.
    self.controls = controls.map { control in
      guard case let .numeric(name, minimum, maximum, integral, value) = control else { return control }
      let given = presets.compactMap { preset -> Double? in if case let .number(x)? = preset.values[name], x.isFinite { x } else { nil } }
      return .numeric(name: name, minimum: min(minimum, given.min() ?? minimum), maximum: max(maximum, given.max() ?? maximum), integral: integral, value: value)
    }
    self.presets = presets
    (modelJSON, reason) = ModelScript.describe(model)
    self.focusClass = focusClass
  }

  public func render(into page: inout HTMLWriter) {
    guard let modelJSON else {
      page.paragraph(HTMLText(words: reason ?? "This model's scoring is not carried in the page."))
      return
    }
    page.paragraph(HTMLText(words: "Move a control and the prediction below updates. The page scores the row itself with the model's own parameters, the same arithmetic as Candor (equal within 1e-12), offline."))
    var data = "{\"model\":\(modelJSON),\"focus\":\(focusClass.map(ModelScript.jsonString) ?? "null"),\"features\":["
    data += controls.map { control -> String in
      switch control {
      case let .numeric(name, _, _, integral, _): "{\"name\":\(ModelScript.jsonString(name)),\"numeric\":true,\"integral\":\(integral)}"
      case let .categorical(name, _, _): "{\"name\":\(ModelScript.jsonString(name)),\"numeric\":false}"
      }
    }.joined(separator: ",")
    data += "],\"presets\":[" + presets.map { preset in
      "{" + preset.values.keys.sorted().map { key in
        let value: String
        switch preset.values[key]! {
        case let .number(x): value = x.isFinite ? "\(x)" : "null"
        case let .level(text): value = ModelScript.jsonString(text)
        case .missing: value = "null"
        }
        return "\(ModelScript.jsonString(key)):\(value)"
      }.joined(separator: ",") + "}"
    }.joined(separator: ",") + "]}"
    let dataID = page.dataBlock("model", json: data)
    let panelID = page.elementID("panel")
    var html = "<div class=\"panel\" id=\"\(panelID)\" data-spec=\"\(dataID)\"><div class=\"controls\">"
    for (i, control) in controls.enumerated() {
      switch control {
      case let .numeric(name, minimum, maximum, integral, value):
        let step = integral ? "1" : "any"
        html += "<label><span class=\"name\">\(HTMLText.isolated(name))</span><input type=\"range\" data-feature=\"\(i)\" min=\"\(minimum)\" max=\"\(maximum)\" step=\"\(step)\" value=\"\(value)\">"
          + "<output data-value=\"\(i)\">\(escapeHTML(formatNumber(value)))</output></label>"
      case let .categorical(name, levels, value):
        html += "<label><span class=\"name\">\(HTMLText.isolated(name))</span><select data-feature=\"\(i)\">"
        // The value attribute carries the level exactly (whitespace and all); the shown text is escaped for reading.
        for level in levels { html += "<option value=\"\(escapeHTML(level, exact: true))\"\(level == value ? " selected=\"\"" : "")>\(escapeHTML(level))</option>" }
        html += "</select></label>"
      }
    }
    html += "</div><p class=\"prediction\"><output data-role=\"prediction\">…</output></p>"
    if !presets.isEmpty {
      html += "<p class=\"presets\">Load: "
      for (k, preset) in presets.enumerated() { html += "<button type=\"button\" data-preset=\"\(k)\">\(escapeHTML(preset.name))</button> " }
      html += "</p>"
    }
    html += "</div>\n"
    page.raw(html)
  }

  /// Wires every panel on the page: reads its data block, scores the controls' row on every input, and loads
  /// presets. Text reaches the page through textContent only.
  static let controller = """
    document.querySelectorAll('div.panel[data-spec]').forEach(function(panel){
      var spec=JSON.parse(document.getElementById(panel.getAttribute('data-spec')).textContent);
      var inputs=panel.querySelectorAll('[data-feature]'),out=panel.querySelector('output[data-role=prediction]');
      function row(){var r={};inputs.forEach(function(el){var f=spec.features[+el.getAttribute('data-feature')];r[f.name]=f.numeric?parseFloat(el.value):el.value;});return r;}
      function show(x,f){return f.integral?String(Math.round(x)):String(+x.toPrecision(6));}
      function update(){var r=row();inputs.forEach(function(el){var f=spec.features[+el.getAttribute('data-feature')];
          if(f.numeric){var o=panel.querySelector('output[data-value="'+el.getAttribute('data-feature')+'"]');if(o)o.textContent=show(r[f.name],f);}});
        var pt=candorPoint(spec.model,r),focus=spec.focus!=null&&(spec.focus in pt.probabilities)?spec.focus:null,text;
        if(spec.model.kind==='linear'||spec.model.regression){text='Prediction: '+String(+pt.prediction.toPrecision(6));}
        else{var c=focus!=null?focus:pt.prediction;text='Prediction: '+pt.prediction+' \\u00b7 P('+c+') = '+String(+pt.probabilities[c].toPrecision(6));}
        out.textContent=text;out.setAttribute('data-prediction',String(pt.prediction));out.setAttribute('data-probabilities',JSON.stringify(pt.probabilities));}
      inputs.forEach(function(el){el.addEventListener('input',update);el.addEventListener('change',update);});
      panel.querySelectorAll('button[data-preset]').forEach(function(b){b.addEventListener('click',function(){
        var p=spec.presets[+b.getAttribute('data-preset')];inputs.forEach(function(el){var f=spec.features[+el.getAttribute('data-feature')];
          if(f.name in p&&p[f.name]!==null)el.value=String(p[f.name]);});update();});});
      update();
    });
    """
}
