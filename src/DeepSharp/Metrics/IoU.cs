using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// Intersection over union tp / (tp + fp + fn) of chosen classes, from a confusion matrix of every position seen since
/// the last reset (Keras's IoU): the result is the mean IoU of <see cref="TargetClassIds"/>, a class that never
/// occurs in targets or predictions left out of the mean. Targets and predictions are class ids, flattened (Keras's
/// <c>sparse_y_true</c>/<c>sparse_y_pred</c> true), or scores per class on the last axis whose argmax is the class.
/// Ids outside [0, numClasses) and positions labelled <see cref="IgnoreClass"/> count for nothing. Weights are one per
/// sample (repeated over its positions) or one per position. As Keras, 1e−7 is added to each denominator.
/// </summary>
public class IoU : Metric
{
    private readonly int[] _targets;
    private readonly double[] _matrix;   // (true class, predicted class), weighted counts
    private readonly string _name;

    /// <param name="numClasses">How many classes the ids run over (the confusion matrix is numClasses²).</param>
    /// <param name="targetClassIds">The classes whose IoU is averaged into the result.</param>
    /// <param name="ignoreClass">A target id whose positions count for nothing (a "void" class), or null.</param>
    /// <param name="sparseYTrue">Whether targets are class ids (true) or one-hot rows whose argmax is the class.</param>
    /// <param name="sparseYPred">Whether predictions are class ids (true) or scores per class whose argmax is the class.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is below 1 or a target id is outside [0, numClasses).</exception>
    /// <exception cref="ArgumentException"><paramref name="targetClassIds"/> is empty.</exception>
    public IoU(int numClasses, IReadOnlyList<int> targetClassIds, int? ignoreClass = null, bool sparseYTrue = true, bool sparseYPred = true)
        : this(numClasses, targetClassIds, ignoreClass, sparseYTrue, sparseYPred, "io_u") { }

    private protected IoU(int numClasses, IReadOnlyList<int> targetClassIds, int? ignoreClass, bool sparseYTrue, bool sparseYPred, string name)
    {
        ArgumentNullException.ThrowIfNull(targetClassIds);
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"{GetType().Name}: numClasses must be at least 1.");
        if (targetClassIds.Count == 0) throw new ArgumentException($"{GetType().Name}: targetClassIds must name at least one class.", nameof(targetClassIds));
        foreach (int id in targetClassIds)
            if ((uint)id >= (uint)numClasses)
                throw new ArgumentOutOfRangeException(nameof(targetClassIds), id, $"{GetType().Name}: target class id {id} is outside [0, {numClasses}).");
        (NumClasses, _targets, IgnoreClass, SparseYTrue, SparseYPred, _name) = (numClasses, [.. targetClassIds], ignoreClass, sparseYTrue, sparseYPred, name);
        _matrix = new double[numClasses * numClasses];
    }

    /// <summary>How many classes the ids run over.</summary>
    public int NumClasses { get; }
    /// <summary>The classes whose IoU is averaged into the result.</summary>
    public IReadOnlyList<int> TargetClassIds => _targets;
    /// <summary>The target id whose positions are left out, or null.</summary>
    public int? IgnoreClass { get; }
    /// <summary>Whether targets are class ids rather than one-hot rows.</summary>
    public bool SparseYTrue { get; }
    /// <summary>Whether predictions are class ids rather than scores per class.</summary>
    public bool SparseYPred { get; }
    /// <summary>Keras's name: "io_u" for IoU, "mean_io_u", "binary_io_u", "one_hot_io_u", "one_hot_mean_io_u" for the others.</summary>
    public override string Name => _name;

    /// <inheritdoc/>
    /// <exception cref="ShapeMismatchException">Targets and predictions do not give as many positions, or the weights are neither one per sample nor one per position.</exception>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        int[] truth = TrueClasses(yTrue), predicted = PredictedClasses(yPred);
        if (truth.Length != predicted.Length)
            throw new ShapeMismatchException($"{GetType().Name}: targets {yTrue.Shape} give {truth.Length} positions but predictions {yPred.Shape} give {predicted.Length}.");
        int positions = truth.Length;
        int batch = yPred.Rank == 0 ? 1 : yPred.Shape[0];
        bool perPosition = sampleWeight is not null && sampleWeight.Size == positions && sampleWeight.Size != batch;
        var weights = perPosition ? SampleWeights(sampleWeight, positions) : SampleWeights(sampleWeight, batch);
        int perSample = perPosition || batch == 0 ? 1 : Math.Max(1, positions / batch);
        for (int i = 0; i < positions; i++)
        {
            int t = truth[i], p = predicted[i];
            if ((uint)t >= (uint)NumClasses || (uint)p >= (uint)NumClasses || t == IgnoreClass) continue;
            _matrix[t * NumClasses + p] += WeightAt(weights, i / perSample);
        }
    }

    /// <summary>The weighted confusion matrix so far, rows true classes and columns predicted ones.</summary>
    public double[,] ConfusionMatrix()
    {
        var m = new double[NumClasses, NumClasses];
        for (int t = 0; t < NumClasses; t++)
            for (int p = 0; p < NumClasses; p++) m[t, p] = _matrix[t * NumClasses + p];
        return m;
    }

    /// <summary>
    /// The mean over target classes of tp / (tp + fp + fn + 1e−7), divided by the number of target classes that
    /// occurred (+ 1e−7), as Keras; 0 before any update.
    /// </summary>
    public override double Result()
    {
        double sum = 0, valid = 0;
        foreach (int c in _targets)
        {
            double tp = _matrix[c * NumClasses + c], truths = 0, predictions = 0;
            for (int k = 0; k < NumClasses; k++) { truths += _matrix[c * NumClasses + k]; predictions += _matrix[k * NumClasses + c]; }
            double denominator = truths + predictions - tp;
            if (denominator <= 1e-9) continue;
            valid++;
            sum += tp / (denominator + 1e-7);
        }
        return sum / (valid + 1e-7);
    }

    /// <inheritdoc/>
    public override void Reset() => Array.Clear(_matrix);

    /// <summary>The confusion matrix, row by row (additive: ranks' matrices sum to the whole data's).</summary>
    public override double[]? GetState() => (double[])_matrix.Clone();

    /// <inheritdoc/>
    public override bool SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != _matrix.Length) return false;
        foreach (double v in state) if (!IsTotal(v)) return false;
        state.CopyTo(_matrix);
        return true;
    }

    /// <summary>The class of each target position: its id, or the argmax of its row when targets are one-hot.</summary>
    private protected virtual int[] TrueClasses(Tensor yTrue) => SparseYTrue ? Ids(yTrue) : ArgMaxes(yTrue, "targets");

    /// <summary>The class of each predicted position: its id, or the argmax of its row of scores.</summary>
    private protected virtual int[] PredictedClasses(Tensor yPred) => SparseYPred ? Ids(yPred) : ArgMaxes(yPred, "predictions");

    private static int[] Ids(Tensor t)
    {
        var ids = new int[t.Size];
        if (t.DType == DType.Int32) t.IntSpan.CopyTo(ids);
        else
        {
            var values = t.ToFloat().Span;
            for (int i = 0; i < ids.Length; i++) ids[i] = Math.Abs(values[i]) < 1e9f ? (int)values[i] : -1;   // a class id as Keras casts it; NaN and huge values fit no class
        }
        return ids;
    }

    private int[] ArgMaxes(Tensor t, string what)
    {
        if (t.Rank < 1 || t.Shape[-1] != NumClasses)
            throw new ShapeMismatchException($"{GetType().Name}: {what} {t.Shape} need a last axis of {NumClasses} classes to take the argmax over.");
        int rows = t.Size / NumClasses;
        var values = t.ToFloat().Span;
        var ids = new int[rows];
        for (int r = 0; r < rows; r++) ids[r] = Accuracy.ArgMax(values.Slice(r * NumClasses, NumClasses));
        return ids;
    }
}

/// <summary>The mean IoU over every class (Keras's MeanIoU): <see cref="IoU"/> with every class a target.</summary>
/// <param name="numClasses">How many classes the ids run over.</param>
/// <param name="ignoreClass">A target id whose positions count for nothing, or null.</param>
/// <param name="sparseYTrue">Whether targets are class ids (true) or one-hot rows.</param>
/// <param name="sparseYPred">Whether predictions are class ids (true) or scores per class.</param>
public sealed class MeanIoU(int numClasses, int? ignoreClass = null, bool sparseYTrue = true, bool sparseYPred = true)
    : IoU(numClasses, AllClasses(numClasses), ignoreClass, sparseYTrue, sparseYPred, "mean_io_u")
{
    internal static int[] AllClasses(int numClasses) => numClasses < 1 ? [] : [.. Enumerable.Range(0, numClasses)];
}

/// <summary>
/// IoU of a binary task (Keras's BinaryIoU): a prediction at or above <see cref="Threshold"/> is class 1, below it
/// class 0; a target is class 1 above 0.5. The result is the mean IoU of <see cref="IoU.TargetClassIds"/> ([0, 1] by default).
/// </summary>
public sealed class BinaryIoU : IoU
{
    /// <param name="targetClassIds">Which of the classes 0 and 1 are averaged; null for both.</param>
    /// <param name="threshold">Predictions at or above it are class 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A target class id is neither 0 nor 1.</exception>
    public BinaryIoU(IReadOnlyList<int>? targetClassIds = null, float threshold = 0.5f)
        : base(2, targetClassIds ?? [0, 1], null, true, true, "binary_io_u") => Threshold = threshold;

    /// <summary>The cut at or above which a prediction is class 1.</summary>
    public float Threshold { get; }

    /// <summary>1 for a target above 0.5, else 0.</summary>
    private protected override int[] TrueClasses(Tensor yTrue)
    {
        var t = yTrue.ToFloat().Span;
        var ids = new int[t.Length];
        for (int i = 0; i < ids.Length; i++) ids[i] = BinaryElements.IsPositive(t[i]) ? 1 : 0;
        return ids;
    }

    /// <summary>1 for a prediction at or above the threshold, else 0.</summary>
    private protected override int[] PredictedClasses(Tensor yPred)
    {
        var p = yPred.ToFloat().Span;
        var ids = new int[p.Length];
        for (int i = 0; i < ids.Length; i++) ids[i] = p[i] >= Threshold ? 1 : 0;
        return ids;
    }
}

/// <summary>
/// IoU of chosen classes with one-hot targets (Keras's OneHotIoU): <see cref="IoU"/> with <c>sparseYTrue</c> false,
/// predictions as scores per class (argmax) unless <c>sparseYPred</c>.
/// </summary>
/// <param name="numClasses">How many classes there are (the targets' last axis).</param>
/// <param name="targetClassIds">The classes whose IoU is averaged.</param>
/// <param name="ignoreClass">A class whose target positions count for nothing, or null.</param>
/// <param name="sparseYPred">Whether predictions are class ids rather than scores per class.</param>
public sealed class OneHotIoU(int numClasses, IReadOnlyList<int> targetClassIds, int? ignoreClass = null, bool sparseYPred = false)
    : IoU(numClasses, targetClassIds, ignoreClass, false, sparseYPred, "one_hot_io_u");

/// <summary>The mean IoU over every class with one-hot targets (Keras's OneHotMeanIoU).</summary>
/// <param name="numClasses">How many classes there are (the targets' last axis).</param>
/// <param name="ignoreClass">A class whose target positions count for nothing, or null.</param>
/// <param name="sparseYPred">Whether predictions are class ids rather than scores per class.</param>
public sealed class OneHotMeanIoU(int numClasses, int? ignoreClass = null, bool sparseYPred = false)
    : IoU(numClasses, MeanIoU.AllClasses(numClasses), ignoreClass, false, sparseYPred, "one_hot_mean_io_u");
