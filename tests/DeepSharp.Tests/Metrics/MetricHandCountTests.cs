using DeepSharp.Metrics;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Metrics;

/// <summary>
/// Every metric on the four output kinds a model has (one sigmoid unit, softmax classes, independent
/// sigmoid labels, sequences), each against a count by hand written beside its assertion.
/// </summary>
public class MetricHandCountTests
{
    private static double Run(Metric metric, Tensor yTrue, Tensor yPred)
    {
        metric.Update(yTrue, yPred);
        return metric.Result();
    }

    // Binary, one sigmoid unit, 20 samples: 11 positives, 9 negatives.
    // Positives: ten at 0.9, one at 0.6 (all predicted positive: TP = 11, FN = 0).
    // Negatives: one at 0.7 (FP = 1), eight at 0.1 (TN = 8).
    private static (Tensor T, Tensor P) Binary()
    {
        var t = new float[20];
        var p = new float[20];
        for (int i = 0; i < 11; i++) (t[i], p[i]) = (1f, i < 10 ? 0.9f : 0.6f);
        for (int i = 11; i < 20; i++) (t[i], p[i]) = (0f, i == 11 ? 0.7f : 0.1f);
        return (Tensor.FromArray(t, 20, 1), Tensor.FromArray(p, 20, 1));
    }

    [Fact]
    public void BinaryOutput()
    {
        var (t, p) = Binary();
        Assert.Equal(22.0 / 23, Run(new F1Score(), t, p), 9);            // 2·TP/(2·TP + FP + FN) = 22/23 = 0.957 (was 22/31 = 0.710: argmax of one column)
        Assert.Equal(22.0 / 23, Run(new F1Score(F1Average.Micro), t, p), 9);
        Assert.Equal(22.0 / 23, Run(new F1Score(threshold: 0.5f), t, p), 9); // the default for one column is this threshold
        Assert.Equal(19.0 / 20, Run(new BinaryAccuracy(), t, p), 9);      // TP 11 + TN 8 of 20
        Assert.Equal(19.0 / 20, Run(new Accuracy(), t, p), 9);            // one column: binary, threshold 0.5
        Assert.Equal(11.0 / 12, Run(new Precision(), t, p), 9);           // TP 11/(TP 11 + FP 1)
        Assert.Equal(1.0, Run(new Recall(), t, p), 9);                    // TP 11/(TP 11 + FN 0)
        Assert.Equal(98.0 / 99, Run(new Auc(), t, p), 6);                 // 99 pairs, one ordered wrong (0.6 < 0.7)
        Assert.Equal(new long[,] { { 8, 1 }, { 0, 11 } }, ConfusionMatrix.FromPredictions(t, p)); // rows true 0/1: TN FP / FN TP
        // MSE: 10·0.01 + 0.16 + 0.49 + 8·0.01 = 0.83 over 20; MAE: 10·0.1 + 0.4 + 0.7 + 8·0.1 = 2.9 over 20.
        Assert.Equal(0.83 / 20, Run(new MeanSquaredError(), t, p), 6);
        Assert.Equal(2.9 / 20, Run(new MeanAbsoluteError(), t, p), 6);
    }

    // Multi-class, 3 softmax classes, 6 samples: true 0, 0, 1, 1, 2, 2; argmax 0, 1, 1, 2, 2, 2.
    private static readonly Tensor ClassProbs = Tensor.FromArray(
        [0.7f, 0.2f, 0.1f, 0.3f, 0.6f, 0.1f, 0.1f, 0.8f, 0.1f, 0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f, 0.05f, 0.15f, 0.8f], 6, 3);
    private static readonly Tensor ClassOneHot = Tensor.FromArray(
        [1f, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1], 6, 3);
    private static readonly Tensor ClassLabels = Tensor.FromArray(new[] { 0, 0, 1, 1, 2, 2 }, 6);

    [Fact]
    public void MultiClassOutput()
    {
        Assert.Equal(4.0 / 6, Run(new Accuracy(), ClassOneHot, ClassProbs), 9);                  // rows 1, 3, 5, 6 hit
        Assert.Equal(4.0 / 6, Run(new Accuracy(), ClassLabels, ClassProbs), 9);
        Assert.Equal(4.0 / 6, Run(new CategoricalAccuracy(), ClassOneHot, ClassProbs), 9);
        Assert.Equal(4.0 / 6, Run(new SparseCategoricalAccuracy(), ClassLabels, ClassProbs), 9);
        Assert.Equal(1.0, Run(new TopKCategoricalAccuracy(2), ClassOneHot, ClassProbs), 9);      // the misses' targets rank 2nd (0.3)
        Assert.Equal(4.0 / 6, Run(new TopKCategoricalAccuracy(1), ClassLabels, ClassProbs), 9);
        // Per class: 0: TP 1, FP 0, FN 1 → 2/3; 1: TP 1, FP 1, FN 1 → 1/2; 2: TP 2, FP 1, FN 0 → 4/5.
        var f1 = new F1Score();
        Assert.Equal((2.0 / 3 + 0.5 + 0.8) / 3, Run(f1, ClassOneHot, ClassProbs), 9);
        Assert.Equal([2.0 / 3, 0.5, 0.8], f1.ClassResults());
        Assert.Equal(8.0 / 12, Run(new F1Score(F1Average.Micro), ClassOneHot, ClassProbs), 9); // TP 4, FP 2, FN 2
        Assert.Equal((2 * 2.0 / 3 + 2 * 0.5 + 2 * 0.8) / 6, Run(new F1Score(F1Average.Weighted), ClassOneHot, ClassProbs), 9); // support 2, 2, 2
        // Element-wise above 0.5: 0.7 (TP), 0.6 (FP), 0.8 (TP), 0.8 (TP), 0.8 (TP); row 4's 0.5 is not above: FN 2 (rows 2, 4).
        Assert.Equal(4.0 / 5, Run(new Precision(), ClassOneHot, ClassProbs), 9);
        Assert.Equal(4.0 / 6, Run(new Recall(), ClassOneHot, ClassProbs), 9);
        Assert.Equal(new long[,] { { 1, 1, 0 }, { 0, 1, 1 }, { 0, 0, 2 } }, ConfusionMatrix.FromPredictions(ClassLabels, ClassProbs));
        Assert.Equal(new long[,] { { 1, 1, 0 }, { 0, 1, 1 }, { 0, 0, 2 } }, ConfusionMatrix.FromPredictions(ClassOneHot, ClassProbs));
    }

    // Multi-label, 3 independent sigmoid labels, 4 samples.
    // Element-wise at 0.5: row 1 TP TN TP; row 2 TN TP FP; row 3 TP FN TN; row 4 TN TN FN → TP 4, FP 1, FN 2, TN 5.
    private static readonly Tensor LabelTargets = Tensor.FromArray([1f, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 1], 4, 3);
    private static readonly Tensor LabelProbs = Tensor.FromArray([0.8f, 0.4f, 0.6f, 0.2f, 0.7f, 0.6f, 0.9f, 0.3f, 0.1f, 0.4f, 0.2f, 0.3f], 4, 3);

    [Fact]
    public void MultiLabelOutput()
    {
        Assert.Equal(9.0 / 12, Run(new BinaryAccuracy(), LabelTargets, LabelProbs), 9);   // TP 4 + TN 5 of 12
        Assert.Equal(4.0 / 5, Run(new Precision(), LabelTargets, LabelProbs), 9);         // TP 4/(4 + FP 1)
        Assert.Equal(4.0 / 6, Run(new Recall(), LabelTargets, LabelProbs), 9);            // TP 4/(4 + FN 2)
        // Per label at 0.5: 0: TP 2 → 1; 1: TP 1, FN 1 → 2/3; 2: TP 1, FP 1, FN 1 → 1/2.
        Assert.Equal((1 + 2.0 / 3 + 0.5) / 3, Run(new F1Score(threshold: 0.5f), LabelTargets, LabelProbs), 9);
        Assert.Equal(8.0 / 11, Run(new F1Score(F1Average.Micro, 0.5f), LabelTargets, LabelProbs), 9); // 2·4/(2·4 + 1 + 2)
        // Squared errors per row: 0.36, 0.49, 0.51, 0.69 (each over 3); absolute: 1.0, 1.1, 0.9, 1.3.
        Assert.Equal((0.36 + 0.49 + 0.51 + 0.69) / 12, Run(new MeanSquaredError(), LabelTargets, LabelProbs), 6);
        Assert.Equal((1.0 + 1.1 + 0.9 + 1.3) / 12, Run(new MeanAbsoluteError(), LabelTargets, LabelProbs), 6);
    }

    // Sequences: 2 samples × 3 positions × 2 softmax classes; labels [[0, 1, 1], [1, 0, 0]];
    // argmax [[0, 1, 0], [1, 0, 1]]: hits ✓ ✓ ✗ / ✓ ✓ ✗.
    private static readonly Tensor SeqProbs = Tensor.FromArray([0.9f, 0.1f, 0.4f, 0.6f, 0.7f, 0.3f, 0.2f, 0.8f, 0.6f, 0.4f, 0.3f, 0.7f], 2, 3, 2);
    private static readonly Tensor SeqLabels = Tensor.FromArray(new[] { 0, 1, 1, 1, 0, 0 }, 2, 3);
    private static readonly Tensor SeqOneHot = Tensor.FromArray([1f, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0], 2, 3, 2);

    [Fact]
    public void SequenceOutput()
    {
        Assert.Equal(4.0 / 6, Run(new Accuracy(), SeqLabels, SeqProbs), 9);
        Assert.Equal(4.0 / 6, Run(new SparseCategoricalAccuracy(), SeqLabels, SeqProbs), 9);
        Assert.Equal(4.0 / 6, Run(new CategoricalAccuracy(), SeqOneHot, SeqProbs), 9);
        // Each class: TP 2, FP 1, FN 1 → 2/3.
        Assert.Equal(2.0 / 3, Run(new F1Score(), SeqOneHot, SeqProbs), 9);
        Assert.Equal(new long[,] { { 2, 1 }, { 1, 2 } }, ConfusionMatrix.FromPredictions(SeqLabels, SeqProbs));
        Assert.Equal(new long[,] { { 2, 1 }, { 1, 2 } }, ConfusionMatrix.FromPredictions(SeqOneHot, SeqProbs));
    }

    // Binary sequences: 2 × 3 positions × one sigmoid unit; targets [[1, 0, 1], [0, 0, 1]],
    // predictions [[0.8, 0.6, 0.4], [0.1, 0.2, 0.9]]: TP 2, FP 1, FN 1, TN 2.
    [Fact]
    public void BinarySequenceOutput()
    {
        var t = Tensor.FromArray([1f, 0, 1, 0, 0, 1], 2, 3, 1);
        var p = Tensor.FromArray([0.8f, 0.6f, 0.4f, 0.1f, 0.2f, 0.9f], 2, 3, 1);
        Assert.Equal(4.0 / 6, Run(new F1Score(), t, p), 9);             // 2·2/(2·2 + 1 + 1)
        Assert.Equal(4.0 / 6, Run(new BinaryAccuracy(), t, p), 9);      // TP 2 + TN 2 of 6
        Assert.Equal(4.0 / 6, Run(new Accuracy(), t, p), 9);
        Assert.Equal(2.0 / 3, Run(new Precision(), t, p), 9);
        Assert.Equal(2.0 / 3, Run(new Recall(), t, p), 9);
        Assert.Equal(new long[,] { { 2, 1 }, { 1, 2 } }, ConfusionMatrix.FromPredictions(t, p));
    }
}
