import CandorCore
import Foundation
import CandorModels

/// A model small enough to carry inside a page: its parameters as JSON and a few lines of script that score a row
/// in the same order of operations as the Swift code (so the page's probabilities equal Candor's within 1e-12).
/// Logistic regression (binary and multinomial), ridge regression, the MLP and XGBoost/LightGBM ensembles with numeric
/// splits (float32 comparisons and sums for XGBoost, as its predictor), CART trees, explainable boosting machines, and group threshold policies on any of them
/// (P(ŷ = 1) of the row's group rule) are carried; other kinds are not, with the reason.
public enum ModelScript {
  /// The model's parameters as JSON for `scorer`, or why it cannot be carried.
  public static func describe(_ model: any Model) -> (json: String?, reason: String?) {
    func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
    func numbers(_ xs: some Sequence<Double>) -> String { "[" + xs.map(number).joined(separator: ",") + "]" }
    func text(_ s: String) -> String { jsonString(s) }
    func features(_ encoder: FeatureEncoder) -> String {
      "[" + encoder.features.map { f in
        switch f.encoding {
        case let .numeric(mean, scale): "{\"name\":\(text(f.name)),\"kind\":\"numeric\",\"mean\":\(number(mean)),\"scale\":\(number(scale))}"
        case let .categorical(levels): "{\"name\":\(text(f.name)),\"kind\":\"categorical\",\"levels\":[\(levels.map(text).joined(separator: ","))]}"
        }
      }.joined(separator: ",") + "]"
    }
    let classes = "[" + model.classes.map(text).joined(separator: ",") + "]"
    switch model {
    case let m as LogisticRegression:
      let rows = (0..<m.coefficients.rows).map { k in numbers(m.coefficients.storage[(k * m.coefficients.columns)..<((k + 1) * m.coefficients.columns)]) }
      return ("{\"kind\":\"logistic\",\"classes\":\(classes),\"features\":\(features(m.encoder)),\"intercepts\":\(numbers(m.intercepts)),\"coefficients\":[\(rows.joined(separator: ","))]}", nil)
    case let m as LinearRegression:
      return ("{\"kind\":\"linear\",\"classes\":\(classes),\"features\":\(features(m.encoder)),\"intercepts\":[\(number(m.intercept))],\"coefficients\":[\(numbers(m.coefficients))]}", nil)
    case let m as MLPClassifier:
      let layers = m.layers.map { "{\"columns\":\($0.weights.columns),\"weights\":\(numbers($0.weights.storage)),\"bias\":\(numbers($0.bias))}" }
      return ("{\"kind\":\"mlp\",\"classes\":\(classes),\"features\":\(features(m.encoder)),\"layers\":[\(layers.joined(separator: ","))]}", nil)
    case let m as TreeEnsembleModel where (m.ensemble.rules == .xgboost || m.ensemble.rules == .lightGBM)
      && !m.ensemble.trees.contains(where: { $0.flags.contains { $0 & TreeEnsemble.Flags.categorical != 0 } }):
      let e = m.ensemble
      func ints(_ xs: some Sequence<some BinaryInteger>) -> String { "[" + xs.map { String($0) }.joined(separator: ",") + "]" }
      let trees = e.trees.map { t in
        "{\"f\":\(ints(t.feature)),\"l\":\(ints(t.left)),\"r\":\(ints(t.right)),\"t\":\(numbers(t.threshold)),\"g\":\(ints(t.flags)),\"v\":\(numbers(t.value))}"
      }
      let link = switch e.link { case .logistic: "logistic"; case .softmax: "softmax"; case .identity: "identity"; case .signedSquare: "signedSquare" }
      return ("{\"kind\":\"trees\",\"rules\":\"\(e.rules == .xgboost ? "xgboost" : "lightgbm")\",\"link\":\"\(link)\",\"scale\":\(number(e.sigmoidScale)),"
        + "\"base\":\(numbers(e.baseMargin)),\"average\":\(e.averagesTrees),\"classes\":\(classes),\"regression\":\(m.outputKind == .regression),"
        + "\"featureNames\":[\(e.featureNames.map(text).joined(separator: ","))],\"treeClass\":\(ints(e.treeClass)),\"trees\":[\(trees.joined(separator: ","))]}", nil)
    case let m as DecisionTree:
      let values = "[" + m.value.map(numbers).joined(separator: ",") + "]"
      return ("{\"kind\":\"cart\",\"classes\":\(classes),\"regression\":\(m.isRegression),\"features\":\(features(m.encoder)),\"width\":\(m.encoder.encodedColumnCount),"
        + "\"feature\":[\(m.feature.map(String.init).joined(separator: ","))],\"threshold\":\(numbers(m.threshold)),\"left\":[\(m.left.map(String.init).joined(separator: ","))],"
        + "\"right\":[\(m.right.map(String.init).joined(separator: ","))],\"value\":\(values)}", nil)
    case let m as ExplainableBoostingMachine:
      let bins = m.binnings.map { b in
        b.isNumeric ? "{\"name\":\(text(b.name)),\"cuts\":\(numbers(b.cuts!)),\"pairCuts\":\(numbers(b.pairCuts!))}"
          : "{\"name\":\(text(b.name)),\"levels\":[\(b.levels!.map(text).joined(separator: ","))]}"
      }
      let terms = m.terms.map { t in "{\"f\":[\(t.features.map(String.init).joined(separator: ","))],\"s\":\(numbers(t.scores))}" }
      return ("{\"kind\":\"ebm\",\"classes\":\(classes),\"regression\":\(m.isRegression),\"intercept\":\(number(m.intercept)),"
        + "\"bins\":[\(bins.joined(separator: ","))],\"terms\":[\(terms.joined(separator: ","))]}", nil)
    case let m as any ThresholdPolicyModel:
      guard let base = describe(m.baseModel).json else { return (nil, "The model is a threshold policy on a model whose scoring this page does not carry; the curves and counterfactuals below were computed by Candor.") }
      // ±∞ thresholds as 1e309 and -1e309, which JSON.parse reads as ±Infinity.
      func threshold(_ t: Double) -> String { t.isFinite ? "\(t)" : t > 0 ? "1e309" : "-1e309" }
      let rules = m.policy.rules.keys.sorted().map { key in
        let r = m.policy.rules[key]!
        return "\(text(key)):{\"p0\":\(number(r.p0)),\"o0\":\"\(r.operator0.rawValue)\",\"t0\":\(threshold(r.threshold0)),\"p1\":\(number(r.p1)),"
          + "\"o1\":\"\(r.operator1.rawValue)\",\"t1\":\(threshold(r.threshold1)),\"pi\":\(number(r.pIgnore)),\"pc\":\(number(r.predictionConstant))}"
      }
      return ("{\"kind\":\"policy\",\"classes\":\(classes),\"base\":\(base),\"sensitive\":[\(m.policy.sensitiveFeatures.map(text).joined(separator: ","))],"
        + "\"rules\":{\(rules.joined(separator: ","))}}", nil)
    default:
      let kind = model.treeEnsembleView != nil ? "a tree ensemble inside a pipeline (ONNX) or with categorical splits" : "a model Candor reaches only through its files or a process"
      return (nil, "The model is \(kind), whose scoring this page does not carry; the curves and counterfactuals below were computed by Candor.")
    }
  }

  /// A JSON string literal (Foundation's escaping; the page's data block then writes every `<` as `\u003c`).
  static func jsonString(_ s: String) -> String {
    String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
  }

  /// Scores one row (feature name → number or level) as `FeatureEncoder`, `EncodedRows.times`, the sigmoid and
  /// softmax of `LogisticRegression`, and the MLP's forward pass do: the same operations in the same order.
  static let scorer = """
    function candorSigmoid(z){var e=Math.exp(-Math.abs(z));return (z>=0?1:e)/(1+e);}
    function candorSoftmax(s){var m=-Infinity,t=0,o=s.slice(),i;for(i=0;i<o.length;i++)m=Math.max(m,o[i]);
      for(i=0;i<o.length;i++){o[i]=Math.exp(o[i]-m);t+=o[i];}for(i=0;i<o.length;i++)o[i]/=t;return o;}
    function candorEntries(spec,row){var out=[],col=0;spec.features.forEach(function(f){
      if(f.kind==='numeric'){var x=row[f.name];out.push([col,(typeof x!=='number'||isNaN(x))?0:(x-f.mean)/f.scale]);col+=1;}
      else{var l=row[f.name];var i=f.levels.indexOf(l==null?'missing':l);out.push(i>=0?[col+i,1]:null);col+=f.levels.length;}});return out;}
    function candorScore(spec,row){var e=candorEntries(spec,row),i,k,c,r;
      if(spec.kind==='logistic'||spec.kind==='linear'){var s=[];for(k=0;k<spec.intercepts.length;k++){var z=spec.intercepts[k],w=spec.coefficients[k];
        for(i=0;i<e.length;i++){if(e[i])z+=e[i][1]*w[e[i][0]];}s.push(z);}
        if(spec.kind==='linear')return s;return s.length===1?[candorSigmoid(s[0])]:candorSoftmax(s);}
      var a=null;for(var l=0;l<spec.layers.length;l++){var L=spec.layers[l],n=L.columns,W=L.weights,out=L.bias.slice();
        if(l===0){for(i=0;i<e.length;i++){if(!e[i])continue;var v=e[i][1],base=e[i][0]*n;for(c=0;c<n;c++)out[c]+=v*W[base+c];}}
        else{for(c=0;c<n;c++){var t=0;for(r=0;r<a.length;r++)t+=a[r]*W[r*n+c];out[c]=t+L.bias[c];}}
        if(l<spec.layers.length-1){for(c=0;c<n;c++)out[c]=Math.max(out[c],0);}a=out;}
      return a.length===1?[candorSigmoid(a[0])]:candorSoftmax(a);}
    function candorTreeLeft(spec,x,t,i){var g=t.g[i];
      if(spec.rules==='xgboost'){if(isNaN(x))return (g&2)!==0;return Math.fround(x)<Math.fround(t.t[i]);}
      var m=(g>>2)&3,v=x;if(isNaN(v)&&m!==2)v=0;var zero=v>=-1.0000000180025095e-35&&v<=1.0000000180025095e-35;
      if((m===1&&zero)||(m===2&&isNaN(v)))return (g&2)!==0;return v<=t.t[i];}
    function candorTrees(spec,row){var k=spec.base.length,xg=spec.rules==='xgboost',s=[],n=[],c,i;
      for(c=0;c<k;c++){s.push(xg?Math.fround(spec.base[c]):0);n.push(0);}
      spec.trees.forEach(function(t,ti){var a=0;while(t.l[a]>=0){var x=row[spec.featureNames[t.f[a]]];if(typeof x!=='number')x=NaN;a=candorTreeLeft(spec,x,t,a)?t.l[a]:t.r[a];}
        c=spec.treeClass[ti];s[c]=xg?Math.fround(s[c]+Math.fround(t.v[a])):s[c]+t.v[a];n[c]+=1;});
      for(c=0;c<k;c++){if(spec.average)s[c]/=Math.max(n[c],1);if(!xg)s[c]+=spec.base[c];}
      if(spec.link==='logistic')return [1/(1+Math.exp(-spec.scale*s[0]))];
      if(spec.link==='identity')return [s[0]];if(spec.link==='signedSquare')return [s[0]<0?-s[0]*s[0]:s[0]*s[0]];
      var top=-Infinity,tot=0,o=[];for(c=0;c<k;c++)top=Math.max(top,s[c]);for(c=0;c<k;c++){o.push(Math.exp(s[c]-top));tot+=o[c];}for(c=0;c<k;c++)o[c]/=tot;return o;}
    function candorBin(cuts,x){if(typeof x!=='number'||isNaN(x))return 0;var lo=0,hi=cuts.length;
      while(lo<hi){var mid=(lo+hi)>>1;if(cuts[mid]<x)lo=mid+1;else hi=mid;}return lo+1;}
    function candorEbm(spec,row){var main=[],pair=[];spec.bins.forEach(function(b){var x=row[b.name];
        if(b.cuts){main.push(candorBin(b.cuts,x));pair.push(candorBin(b.pairCuts,x));}
        else{var i=b.levels.indexOf(x==null?'missing':x)+1;main.push(i);pair.push(i);}});
      var z=spec.intercept;spec.terms.forEach(function(t){if(t.f.length===1)z+=t.s[main[t.f[0]]];
        else{var b=spec.bins[t.f[1]],w=b.cuts?b.pairCuts.length+2:b.levels.length+1;z+=t.s[pair[t.f[0]]*w+pair[t.f[1]]];}});
      return spec.regression?[z]:[1/(1+Math.exp(-z))];}
    function candorBase(b,row){return b.kind==='trees'?candorTrees(b,row):b.kind==='cart'?candorCart(b,row):b.kind==='ebm'?candorEbm(b,row):candorScore(b,row);}
    function candorPolicy(spec,row){var s=candorBase(spec.base,row)[0];
      var key=spec.sensitive.map(function(f){var v=row[f];return String(v==null?'missing':v).replace(/[|\\\\]/g,function(c){return '\\\\'+c;});}).join('|');
      var r=spec.rules[key];if(!r)return [NaN];function sel(o,t){return o==='>'?s>t:s<t;}
      var q=r.p0*(sel(r.o0,r.t0)?1:0)+r.p1*(sel(r.o1,r.t1)?1:0);return [r.pi*r.pc+(1-r.pi)*q];}
    function candorCart(spec,row){var x=new Array(spec.width).fill(0);candorEntries(spec,row).forEach(function(e){if(e)x[e[0]]=e[1];});
      var a=0;while(spec.left[a]>=0)a=x[spec.feature[a]]<=spec.threshold[a]?spec.left[a]:spec.right[a];var v=spec.value[a];
      return spec.regression?[v[0]]:v.length===2?[v[1]]:v.slice();}
    function candorPoint(spec,row){var o=spec.kind==='policy'?candorPolicy(spec,row):candorBase(spec,row),cl=spec.classes;
      if(spec.kind==='linear'||spec.regression)return {prediction:o[0],probabilities:{}};
      if(o.length===1){var p={};p[cl[0]]=1-o[0];p[cl[1]]=o[0];return {prediction:o[0]>0.5?cl[1]:cl[0],probabilities:p};}
      var best=0,q={};for(var k=0;k<o.length;k++){q[cl[k]]=o[k];if(o[k]>o[best])best=k;}return {prediction:cl[best],probabilities:q};}
    """
}
