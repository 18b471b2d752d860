import CandorCore
import CandorModels
let t = try CSVReader.read(path: "samples/adult_train.csv")
let d = try TrainingSet.prepare(t, spec: TrainingSpec(target: "income", positive: ">50K", drop: ["fnlwgt"]), classification: true)
let (m, s) = try LogisticRegression.fit(d)
print(s.text)
