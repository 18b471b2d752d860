"""Writes small ONNX graphs, one per operator setting candor runs, and onnxruntime's outputs on fixed rows.

Run with bench/.venv/bin/python (onnx 1.23.2, onnxruntime 1.32.0). Each case is <name>.onnx with one input `X`
(float [N, 3], fed from columns x0, x1, x2 of rows.csv, or string [N, 1] from column s) and one output `Y`;
<name>.expected.csv holds Y row by row (flattened per row), as float64 repr of onnxruntime's values.
Also writes the bad files the loader must refuse (bad_*.onnx).
"""
import csv, os
import numpy as np
import onnx
from onnx import helper as h, TensorProto as T, numpy_helper
import onnxruntime as ort

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(0)
N = 40
X = rng.normal(size=(N, 3)).astype(np.float32) * 2
X[3, 1] = np.nan
X[7, 0] = 0.5  # sits on a tree threshold
S = np.array([["a"], ["b"], ["c"], ["zz"]] * (N // 4), dtype=object)
with open(os.path.join(here, "rows.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["x0", "x1", "x2", "s"])
    for r in range(N):
        w.writerow(["" if np.isnan(v) else repr(float(v)) for v in X[r]] + [S[r, 0]])

def init(name, array, dtype=None):
    return numpy_helper.from_array(np.asarray(array, dtype=dtype), name)

def model(name, nodes, inits=(), output_type=T.FLOAT, output_shape=None, input_kind="float", opset=13, ml=3):
    inputs = [h.make_tensor_value_info("X", T.FLOAT, [None, 3])] if input_kind == "float" else \
        [h.make_tensor_value_info("X", T.STRING, [None, 1])]
    outputs = [h.make_tensor_value_info("Y", output_type, output_shape or [None, None])]
    graph = h.make_graph(nodes, name, inputs, outputs, list(inits))
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", opset), h.make_opsetid("ai.onnx.ml", ml)], ir_version=8)
    onnx.checker.check_model(m)
    path = os.path.join(here, name + ".onnx")
    onnx.save(m, path)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feed = X if input_kind == "float" else S
    y = session.run(None, {"X": feed})[0]
    y = np.asarray(y).astype(np.float64).reshape(N, -1)
    with open(os.path.join(here, name + ".expected.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"y{k}" for k in range(y.shape[1])])
        for row in y:
            w.writerow(["" if np.isnan(v) else repr(float(v)) for v in row])

n = h.make_node
model("add_broadcast", [n("Add", ["X", "b"], ["Y"])], [init("b", [[1.5, -2.0, 0.25]], np.float32)])
model("sub_scalar", [n("Sub", ["c", "X"], ["Y"])], [init("c", 1.0, np.float32)])
model("mul_div", [n("Mul", ["X", "b"], ["t"]), n("Div", ["t", "d"], ["Y"])], [init("b", [2.0, 3.0, -1.0], np.float32), init("d", [[7.0]], np.float32)])
model("pow_abs", [n("Abs", ["X"], ["a"]), n("Pow", ["a", "p"], ["Y"])], [init("p", 1.5, np.float32)])
model("exp_log_sqrt", [n("Abs", ["X"], ["a"]), n("Sqrt", ["a"], ["s"]), n("Exp", ["s"], ["e"]), n("Log", ["e"], ["Y"])])
model("tanh_sigmoid_relu", [n("Tanh", ["X"], ["t"]), n("Sigmoid", ["X"], ["s"]), n("Relu", ["X"], ["r"]),
                            n("Concat", ["t", "s", "r"], ["Y"], axis=1)])
model("matmul", [n("MatMul", ["X", "W"], ["Y"])], [init("W", rng.normal(size=(3, 4)), np.float32)])
model("gemm", [n("Gemm", ["X", "W", "C"], ["Y"], alpha=0.5, beta=2.0, transB=1)],
      [init("W", rng.normal(size=(4, 3)), np.float32), init("C", [0.1, 0.2, 0.3, 0.4], np.float32)])
model("softmax13", [n("Softmax", ["X"], ["Y"], axis=-1)])
model("softmax11", [n("Softmax", ["X"], ["Y"], axis=1)], opset=11)
model("cast_roundtrip", [n("Cast", ["X"], ["i"], to=T.INT64), n("Cast", ["i"], ["Y"], to=T.FLOAT)])
model("reshape_flatten", [n("Reshape", ["X", "shape"], ["r"]), n("Flatten", ["r"], ["Y"], axis=1)], [init("shape", [-1, 3, 1], np.int64)])
model("squeeze_unsqueeze13", [n("Unsqueeze", ["X", "ax"], ["u"]), n("Squeeze", ["u", "ax"], ["Y"])], [init("ax", [1], np.int64)])
model("squeeze_unsqueeze11", [n("Unsqueeze", ["X"], ["u"], axes=[2]), n("Squeeze", ["u"], ["Y"], axes=[2])], opset=11)
model("gather", [n("Gather", ["X", "idx"], ["Y"], axis=1)], [init("idx", [2, 0], np.int64)])
model("argmax", [n("ArgMax", ["X"], ["a"], axis=1), n("Cast", ["a"], ["Y"], to=T.FLOAT)])
model("reducesum13", [n("ReduceSum", ["X", "ax"], ["Y"], keepdims=1)], [init("ax", [1], np.int64)])
model("reducesum11", [n("ReduceSum", ["X"], ["Y"], axes=[1], keepdims=0)], opset=11)
model("clip11", [n("Clip", ["X", "lo", "hi"], ["Y"])], [init("lo", -1.0, np.float32), init("hi", 0.5, np.float32)], opset=11)
model("clip6", [n("Clip", ["X"], ["Y"], min=-0.5, max=1.0)], opset=6)
model("where_compare", [n("Less", ["X", "z"], ["lt"]), n("Greater", ["X", "o"], ["gt"]), n("Equal", ["X", "o"], ["eq"]),
                        n("Not", ["gt"], ["ng"]), n("Where", ["lt", "X", "z"], ["w"]),
                        n("Cast", ["ng"], ["ngf"], to=T.FLOAT), n("Cast", ["eq"], ["eqf"], to=T.FLOAT),
                        n("Concat", ["w", "ngf", "eqf"], ["Y"], axis=1)],
      [init("z", 0.0, np.float32), init("o", [0.5], np.float32)])
model("identity", [n("Identity", ["X"], ["Y"])])
model("scaler", [n("Scaler", ["X"], ["Y"], domain="ai.onnx.ml", offset=[0.5, -1.0, 2.0], scale=[2.0, 0.5, 3.0])])
for norm in ["L1", "L2", "MAX"]:
    model("normalizer_" + norm.lower(), [n("Normalizer", ["X"], ["Y"], domain="ai.onnx.ml", norm=norm)])
model("imputer", [n("Imputer", ["X"], ["Y"], domain="ai.onnx.ml", imputed_value_floats=[9.0, 8.0, 7.0], replaced_value_float=float("nan"))])
model("binarizer", [n("Imputer", ["X"], ["i"], domain="ai.onnx.ml", imputed_value_floats=[0.0], replaced_value_float=float("nan")),
                    n("Binarizer", ["i"], ["Y"], domain="ai.onnx.ml", threshold=0.3)])
model("onehot_ints", [n("Cast", ["X"], ["i"], to=T.INT64), n("OneHotEncoder", ["i"], ["o"], domain="ai.onnx.ml", cats_int64s=[-1, 0, 1, 2], zeros=1),
                      n("Reshape", ["o", "shape"], ["Y"])], [init("shape", [-1, 12], np.int64)])
model("onehot_strings", [n("OneHotEncoder", ["X"], ["o"], domain="ai.onnx.ml", cats_strings=["b", "a", "c"], zeros=1),
                         n("Reshape", ["o", "shape"], ["Y"])], [init("shape", [-1, 3], np.int64)], input_kind="string")
model("label_encoder", [n("LabelEncoder", ["X"], ["l"], domain="ai.onnx.ml", keys_strings=["a", "b", "c"], values_int64s=[10, 20, 30], default_int64=-7),
                        n("Cast", ["l"], ["Y"], to=T.FLOAT)], input_kind="string")
model("category_mapper", [n("CategoryMapper", ["X"], ["l"], domain="ai.onnx.ml", cats_strings=["a", "c"], cats_int64s=[5, 6], default_int64=-1),
                          n("Cast", ["l"], ["Y"], to=T.FLOAT)], input_kind="string")
model("array_feature_extractor", [n("ArrayFeatureExtractor", ["X", "idx"], ["Y"], domain="ai.onnx.ml")], [init("idx", [2, 1], np.int64)])
model("feature_vectorizer", [n("Gather", ["X", "i0"], ["a"], axis=1), n("Gather", ["X", "i1"], ["b"], axis=1),
                             n("FeatureVectorizer", ["a", "b"], ["Y"], domain="ai.onnx.ml", inputdimensions=[1, 3])],
      [init("i0", [0], np.int64), init("i1", [1, 2], np.int64)])
W = rng.normal(size=(3, 3)).astype(np.float32)
model("linear_classifier_softmax", [n("LinearClassifier", ["X"], ["label", "Y"], domain="ai.onnx.ml", coefficients=W.flatten().tolist(),
                                      intercepts=[0.1, -0.2, 0.3], classlabels_strings=["p", "q", "r"], post_transform="SOFTMAX")])
model("linear_classifier_one_score", [n("LinearClassifier", ["X"], ["label", "Y"], domain="ai.onnx.ml", coefficients=[0.5, -0.25, 1.0],
                                        intercepts=[0.2], classlabels_ints=[0, 1], post_transform="LOGISTIC")])
model("linear_regressor", [n("LinearRegressor", ["X"], ["Y"], domain="ai.onnx.ml", coefficients=[0.5, -0.25, 1.0, 2.0, 0.0, -1.0],
                             intercepts=[0.2, -0.1], targets=2)])
tree = dict(nodes_treeids=[0, 0, 0, 0, 0, 1, 1, 1], nodes_nodeids=[0, 1, 2, 3, 4, 0, 1, 2],
            nodes_featureids=[0, 1, 0, 0, 0, 2, 0, 0], nodes_values=[0.5, -0.3, 0, 0, 0, 1.0, 0, 0],
            nodes_modes=["BRANCH_LEQ", "BRANCH_GTE", "LEAF", "LEAF", "LEAF", "BRANCH_LT", "LEAF", "LEAF"],
            nodes_truenodeids=[1, 2, 0, 0, 0, 1, 0, 0], nodes_falsenodeids=[4, 3, 0, 0, 0, 2, 0, 0],
            nodes_missing_value_tracks_true=[0, 1, 0, 0, 0, 0, 0, 0])
model("tree_regressor", [n("TreeEnsembleRegressor", ["X"], ["Y"], domain="ai.onnx.ml", n_targets=1, base_values=[0.25],
                           target_treeids=[0, 0, 0, 1, 1], target_nodeids=[2, 3, 4, 1, 2], target_ids=[0] * 5,
                           target_weights=[1.0, -2.0, 3.5, 0.75, -0.5], **tree)])
model("tree_regressor_average", [n("TreeEnsembleRegressor", ["X"], ["Y"], domain="ai.onnx.ml", n_targets=1, aggregate_function="AVERAGE",
                                   target_treeids=[0, 0, 0, 1, 1], target_nodeids=[2, 3, 4, 1, 2], target_ids=[0] * 5,
                                   target_weights=[1.0, -2.0, 3.5, 0.75, -0.5], **tree)])
votes = dict(class_treeids=[0, 0, 0, 0, 0, 0, 1, 1, 1], class_nodeids=[2, 2, 3, 3, 4, 4, 1, 2, 2],
             class_ids=[0, 1, 1, 2, 0, 2, 2, 0, 1], class_weights=[0.3, 0.2, 0.5, 0.1, 0.4, 0.6, 0.9, 0.2, 0.3])
model("tree_classifier_multiclass", [n("TreeEnsembleClassifier", ["X"], ["label", "Y"], domain="ai.onnx.ml",
                                       classlabels_strings=["u", "v", "w"], post_transform="SOFTMAX", **votes, **tree)])
model("tree_classifier_binary_logistic", [n("TreeEnsembleClassifier", ["X"], ["label", "Y"], domain="ai.onnx.ml", classlabels_int64s=[0, 1],
                                            post_transform="LOGISTIC", base_values=[0.1], class_treeids=[0, 0, 0, 1, 1], class_nodeids=[2, 3, 4, 1, 2],
                                            class_ids=[0] * 5, class_weights=[1.0, -2.0, 3.5, 0.75, -0.5], **tree)])
model("tree_classifier_binary_votes", [n("TreeEnsembleClassifier", ["X"], ["label", "Y"], domain="ai.onnx.ml", classlabels_int64s=[0, 1],
                                         class_treeids=[0, 0, 0, 1, 1], class_nodeids=[2, 3, 4, 1, 2],
                                         class_ids=[0] * 5, class_weights=[0.1, 0.2, 0.35, 0.3, 0.05], **tree)])

# Trees over computed features (for TreeSHAP's tracing of each tree feature to a data column): the columns
# reordered by a Gather and one scaled by a Mul (each tree feature from one column), and mixed by a MatMul.
regressor = dict(domain="ai.onnx.ml", n_targets=1, target_treeids=[0, 0, 0, 1, 1], target_nodeids=[2, 3, 4, 1, 2], target_ids=[0] * 5,
                 target_weights=[1.0, -2.0, 3.5, 0.75, -0.5], **tree)
model("tree_after_gather", [n("Gather", ["X", "i"], ["g"], axis=1), n("Mul", ["X", "b"], ["m"]), n("Concat", ["g", "m"], ["c"], axis=1),
                            n("TreeEnsembleRegressor", ["c"], ["Y"], **regressor)],
      [init("i", [2, 0], np.int64), init("b", [[1.0, 2.0, -1.0]], np.float32)])
model("tree_after_matmul", [n("MatMul", ["X", "W"], ["m"]), n("TreeEnsembleRegressor", ["m"], ["Y"], **regressor)],
      [init("W", rng.normal(size=(3, 3)), np.float32)])

# TreeEnsemble (ai.onnx.ml opset 5): the same two trees as above in its node/leaf lists, plus a BRANCH_MEMBER tree
# (members 0.5, which row 7 holds, and the value row 0 holds exactly; onnxruntime 1.32 refuses three or more members
# that are not integers) and a one-leaf tree (its root's branches are the same leaf, 6).
def tensor(name, values, dtype):
    return numpy_helper.from_array(np.asarray(values, dtype=dtype), name)
members = [0.5, float(X[0, 0])]
v5 = dict(tree_roots=[0, 2, 3, 4],
          nodes_featureids=[0, 1, 2, 0, 0], nodes_modes=tensor("nodes_modes", [0, 2, 1, 6, 0], np.uint8),
          nodes_splits=tensor("nodes_splits", [0.5, -0.3, 1.0, 0.0, 0.0], np.float32),
          nodes_truenodeids=[1, 0, 3, 5, 6], nodes_trueleafs=[0, 1, 1, 1, 1],
          nodes_falsenodeids=[2, 1, 4, 1, 6], nodes_falseleafs=[1, 1, 1, 0, 1],
          nodes_missing_value_tracks_true=[0, 1, 0, 1, 0],
          membership_values=tensor("membership_values", members + [np.nan], np.float32),
          leaf_weights=tensor("leaf_weights", [1.0, -2.0, 3.5, 0.75, -0.5, 10.0, 7.0], np.float32))
model("tree_ensemble5_sum", [n("TreeEnsemble", ["X"], ["Y"], domain="ai.onnx.ml", n_targets=2, aggregate_function=1, post_transform=0,
                              leaf_targetids=[0, 1, 0, 1, 1, 0, 1], **v5)], ml=5)
model("tree_ensemble5_average_logistic", [n("TreeEnsemble", ["X"], ["Y"], domain="ai.onnx.ml", n_targets=1, aggregate_function=0,
                                          post_transform=2, leaf_targetids=[0] * 7, **v5)], ml=5)

# Files the loader must refuse, each with the reason in its name.
def save(name, m):
    onnx.save(m, os.path.join(here, name + ".onnx"))
g = h.make_graph([n("Einsum", ["X", "X"], ["Y"], equation="ij,ij->ij")], "g", [h.make_tensor_value_info("X", T.FLOAT, [None, 3])],
                 [h.make_tensor_value_info("Y", T.FLOAT, [None, 3])])
save("bad_unsupported_operator", h.make_model(g, opset_imports=[h.make_opsetid("", 13)], ir_version=8))
g = h.make_graph([n("Relu", ["X"], ["Y"])], "g", [h.make_tensor_value_info("X", T.FLOAT, [None, 3])], [h.make_tensor_value_info("Y", T.FLOAT, [None, 3])])
save("bad_opset", h.make_model(g, opset_imports=[h.make_opsetid("", 99)], ir_version=8))
g = h.make_graph([n("Relu", ["X"], ["Y"])], "g", [h.make_tensor_value_info("X", T.FLOAT, [None, 3])], [h.make_tensor_value_info("Y", T.FLOAT, [None, 3])])
save("bad_custom_domain", h.make_model(g, opset_imports=[h.make_opsetid("", 13), h.make_opsetid("com.example", 1)], ir_version=8))
m = onnx.load(os.path.join(here, "bad_custom_domain.onnx")); m.graph.node[0].domain = "com.example"; save("bad_custom_domain", m)
print("wrote", len([f for f in os.listdir(here) if f.endswith(".onnx")]), "models")
g = h.make_graph([n("LinearClassifier", ["X"], ["label", "Y"], domain="ai.onnx.ml", coefficients=[1.0, 0.0, 0.0, -1.0, 0.0, 0.0],
                   intercepts=[0.0, 0.0], classlabels_ints=[0, 1], post_transform="NONE")], "g",
                 [h.make_tensor_value_info("X", T.FLOAT, [None, 3])],
                 [h.make_tensor_value_info("label", T.INT64, [None]), h.make_tensor_value_info("Y", T.FLOAT, [None, 2])])
save("bad_scores_not_probabilities", h.make_model(g, opset_imports=[h.make_opsetid("", 13), h.make_opsetid("ai.onnx.ml", 1)], ir_version=8))
# TreeEnsemble files to refuse: a node that is its own descendant; a member node whose copies would unroll past
# candor's bound (each of 40 nested member nodes of 2 members doubles its subtree); the deprecated classifier at
# ai.onnx.ml opset 5.
def bad_v5(name, **attributes):
    g = h.make_graph([n("TreeEnsemble", ["X"], ["Y"], domain="ai.onnx.ml", n_targets=1, **attributes)], "g",
                     [h.make_tensor_value_info("X", T.FLOAT, [None, 3])], [h.make_tensor_value_info("Y", T.FLOAT, [None, 1])])
    save(name, h.make_model(g, opset_imports=[h.make_opsetid("", 13), h.make_opsetid("ai.onnx.ml", 5)], ir_version=8))
bad_v5("bad_tree_ensemble5_loop", tree_roots=[0], nodes_featureids=[0, 1], nodes_modes=tensor("nodes_modes", [0, 0], np.uint8),
       nodes_splits=tensor("nodes_splits", [0.5, 0.1], np.float32), nodes_truenodeids=[1, 0], nodes_trueleafs=[0, 0],
       nodes_falsenodeids=[0, 1], nodes_falseleafs=[1, 1], leaf_weights=tensor("leaf_weights", [1.0, 2.0], np.float32), leaf_targetids=[0, 0])
k = 40
bad_v5("bad_tree_ensemble5_unrolls_too_far", tree_roots=[0], nodes_featureids=[0] * k, nodes_modes=tensor("nodes_modes", [6] * k, np.uint8),
       nodes_splits=tensor("nodes_splits", [0.0] * k, np.float32), nodes_truenodeids=list(range(1, k)) + [0], nodes_trueleafs=[0] * (k - 1) + [1],
       nodes_falsenodeids=[0] * k, nodes_falseleafs=[1] * k, membership_values=tensor("membership_values", [1.0, 2.0, np.nan] * k, np.float32),
       leaf_weights=tensor("leaf_weights", [1.0, 2.0], np.float32), leaf_targetids=[0, 0])
g = h.make_graph([n("TreeEnsembleRegressor", ["X"], ["Y"], domain="ai.onnx.ml", n_targets=1, target_treeids=[0, 0, 0, 1, 1],
                    target_nodeids=[2, 3, 4, 1, 2], target_ids=[0] * 5, target_weights=[1.0, -2.0, 3.5, 0.75, -0.5], **tree)], "g",
                 [h.make_tensor_value_info("X", T.FLOAT, [None, 3])], [h.make_tensor_value_info("Y", T.FLOAT, [None, 1])])
save("bad_tree_regressor_opset5", h.make_model(g, opset_imports=[h.make_opsetid("", 13), h.make_opsetid("ai.onnx.ml", 5)], ir_version=8))
