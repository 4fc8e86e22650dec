using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Tensors;

/// <summary>
/// Every example of docs/tensors.md, verbatim, each followed by checks of what its comments say.
/// <see cref="DocsBlocksAreTheseExamples"/> fails when the page and this file drift apart.
/// </summary>
public class TensorDocsExamplesTests
{
    [Fact]
    public void Creation()
    {
        var zeros = Tensor.Zeros(2, 3);                        // (2, 3) of 0
        var filled = Tensor.Full(new Shape(2, 2), 0.5f);
        var noise = Tensor.RandomNormal(new Shape(4, 3), mean: 0f, std: 1f);
        var data = new[] { 1f, 2f, 3f, 4f, 5f, 6f };
        var copied = Tensor.FromArray(data, 2, 3);             // copies: later writes to data do not show
        var owned = Tensor.Wrap(data, 2, 3);                   // takes the array: no copy, shares it
        var grid = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });   // shape (2, 2)
        var labels = Tensor.FromArray(new[] { 0, 2, 1 }, 3);   // int32
        data[0] = 100f;                                        // copied[0, 0] is 1, owned[0, 0] is 100

        Assert.Equal(new Shape(2, 3), zeros.Shape);
        Assert.Equal(0.5f, filled[1, 1]);
        Assert.Equal(new Shape(4, 3), noise.Shape);
        Assert.Equal(1f, copied[0, 0]);
        Assert.Equal(100f, owned[0, 0]);
        Assert.Equal(3f, grid[1, 0]);
        Assert.Equal(DType.Int32, labels.DType);
    }

    [Fact]
    public void CreationOfRangesAndRandomTensors()
    {
        RandomGenerator.SetGlobalSeed(42);                      // torch.manual_seed: the same draws on every run
        var counting = Tensor.Arange(5);                        // [0, 1, 2, 3, 4], float32
        var evens = Tensor.Arange(0, 10, 2);                    // [0, 2, 4, 6, 8]
        var indices = Tensor.Arange(0, 3, dtype: DType.Int32);  // [0, 1, 2], int32
        var steps = Tensor.Linspace(0f, 1f, 5);                 // [0, 0.25, 0.5, 0.75, 1]
        var identity = Tensor.Eye(3);                           // (3, 3), ones on the diagonal
        var shifted = Tensor.Eye(2, 3, k: 1);                   // [[0, 1, 0], [0, 0, 1]]
        var blank = Tensor.ZerosLike(identity);                 // also OnesLike, FullLike(x, value)
        var randn = Tensor.RandomNormal([4, 3]);                // torch.randn(4, 3)
        var rand = Tensor.RandomUniform([4, 3], generator: new RandomGenerator(7));   // its own stream

        Assert.Equal([0f, 1f, 2f, 3f, 4f], counting.ToArray());
        Assert.Equal(DType.Float32, counting.DType);
        Assert.Equal([0f, 2f, 4f, 6f, 8f], evens.ToArray());
        Assert.Equal([0, 1, 2], indices.ToIntArray());
        Assert.Equal([0f, 0.25f, 0.5f, 0.75f, 1f], steps.ToArray());
        Assert.Equal([1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f], identity.ToArray());
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 1f], shifted.ToArray());
        Assert.Equal(new Shape(3, 3), blank.Shape);
        Assert.All(blank.ToArray(), v => Assert.Equal(0f, v));
        RandomGenerator.SetGlobalSeed(42);
        Tensor.Arange(1);
        Assert.Equal(randn.ToArray(), Tensor.RandomNormal(new Shape(4, 3)).ToArray());
        Assert.Equal(rand.ToArray(), Tensor.RandomUniform(new Shape(4, 3), generator: new RandomGenerator(7)).ToArray());
    }

    [Fact]
    public void ArithmeticAndBroadcasting()
    {
        var a = Tensor.FromArray(new float[,] { { 0, 1, 2 }, { 3, 4, 5 } });   // (2, 3)
        var row = Tensor.FromArray(new[] { 10f, 20f, 30f }, 3);              // (3,)
        var column = Tensor.FromArray(new[] { 1f, 2f }, 2, 1);               // (2, 1)
        var sum = a + row;            // (2, 3): each row plus [10, 20, 30]
        var scaled = a * column;      // (2, 3): row 0 times 1, row 1 times 2
        var outer = column * row;     // (2, 1) with (3,) → (2, 3)
        var affine = 2f * a - 1f;     // floats on either side
        var inverse = 1f / (a + 1f);
        var negated = -a;

        Assert.Equal([10f, 21f, 32f, 13f, 24f, 35f], sum.ToArray());
        Assert.Equal([0f, 1f, 2f, 6f, 8f, 10f], scaled.ToArray());
        Assert.Equal(new Shape(2, 3), outer.Shape);
        Assert.Equal([-1f, 1f, 3f, 5f, 7f, 9f], affine.ToArray());
        Assert.Equal(0.5f, inverse[0, 1]);
        Assert.Equal(-5f, negated[1, 2]);
    }

    [Fact]
    public void ElementwiseMath()
    {
        var x = Tensor.FromArray(new[] { 0.25f, 1f, 4f }, 3);
        var e = x.Exp();
        var l = x.Log();
        var r = x.Sqrt();             // [0.5, 1, 2]
        var p = x.Pow(2f);            // [0.0625, 1, 16]
        var q = x.Pow(Tensor.FromArray(new[] { 0.5f }, 1));   // tensor exponent, broadcast
        var s = (x - 1f).Abs().Square().Clip(0f, 1f);
        var g = x.Sigmoid() + x.Tanh() + x.Relu() + x.Negate();

        Assert.Equal([0.5f, 1f, 2f], r.ToArray());
        Assert.Equal([0.0625f, 1f, 16f], p.ToArray());
        Assert.Equal(r.ToArray(), q.ToArray());
        Assert.Equal(MathF.Exp(4f), e[2], 3);
        Assert.Equal(0f, l[1]);
        Assert.Equal([0.5625f, 0f, 1f], s.ToArray());
        Assert.Equal(new Shape(3), g.Shape);
    }

    [Fact]
    public void ComparisonsAndWhere()
    {
        var scores = Tensor.FromArray(new[] { -1f, 0f, 2f, 5f }, 4);
        var positive = scores.Greater(0f);                      // [0, 0, 1, 1] as float32
        var same = scores.Equal(Tensor.FromArray(new[] { -1f, 1f, 2f, 0f }, 4));   // [1, 0, 1, 0]
        var accuracy = same.Mean().Item();                      // 0.5
        var clipped = Tensor.Where(scores.Greater(3f), 3f, scores);                 // [-1, 0, 2, 3]
        // log only where it is defined: guard the input too, so no 0·∞ reaches the gradient
        var safeLog = Tensor.Where(positive, Tensor.Where(positive, scores, 1f).Log(), 0f);

        Assert.Equal([0f, 0f, 1f, 1f], positive.ToArray());
        Assert.Equal([1f, 0f, 1f, 0f], same.ToArray());
        Assert.Equal(0.5f, accuracy);
        Assert.Equal([-1f, 0f, 2f, 3f], clipped.ToArray());
        Assert.Equal([0f, 0f, MathF.Log(2f), MathF.Log(5f)], safeLog.ToArray());
    }

    [Fact]
    public void Reductions()
    {
        var t = Tensor.FromArray(new float[,] { { 1, 5, 3 }, { 4, 2, 6 } });   // (2, 3)
        var total = t.Sum();                         // rank-0: 21
        var perColumn = t.Sum(axis: 0);              // (3,): [5, 7, 9]
        var perRow = t.Mean(axis: -1, keepDims: true);   // (2, 1): [[3], [4]]
        var largest = t.Max(axis: 1);                // [5, 6]
        var smallest = t.Min();                      // 1
        var where = t.ArgMax(axis: 1);               // int32 [1, 2]
        var spread = t.Var(axis: 1);                 // population variance: [2.667, 2.667]
        var deviation = t.Std([0, 1]);               // all axes listed: same as t.Std()
        var cube = Tensor.RandomUniform(new Shape(2, 3, 4));
        var perMiddle = cube.Sum([0, 2]);            // (3,): axes 0 and 2 reduced

        Assert.Equal(21f, total.Item());
        Assert.Equal([5f, 7f, 9f], perColumn.ToArray());
        Assert.Equal(new Shape(2, 1), perRow.Shape);
        Assert.Equal([3f, 4f], perRow.ToArray());
        Assert.Equal([5f, 6f], largest.ToArray());
        Assert.Equal(1f, smallest.Item());
        Assert.Equal([1, 2], where.ToIntArray());
        Assert.Equal(8f / 3f, spread[0], 5);
        Assert.Equal(t.Std().Item(), deviation.Item());
        Assert.Equal(new Shape(3), perMiddle.Shape);
    }

    [Fact]
    public void ShapeOps()
    {
        var m = Tensor.RandomUniform(new Shape(2, 3, 4));
        var flat = m.Reshape(6, -1);                 // (6, 4), a free view
        var swapped = m.Transpose();                 // (2, 4, 3): last two axes
        var moved = m.Permute(2, 0, 1);              // (4, 2, 3)
        var withAxis = m.Unsqueeze(1);               // (2, 1, 3, 4)
        var without = withAxis.Squeeze(1);           // (2, 3, 4)
        var joined = Tensor.Concat([m, m], axis: -1);    // (2, 3, 8)
        var stacked = Tensor.Stack([m, m], axis: 0);     // (2, 2, 3, 4)
        var parts = m.Split(2, axis: 0);             // two (1, 3, 4)
        var pieces = m.Split([1, 3], axis: 2);       // (2, 3, 1) and (2, 3, 3)
        var wide = Tensor.Ones(3, 1).BroadcastTo(3, 5);  // (3, 5)

        Assert.Equal(new Shape(6, 4), flat.Shape);
        Assert.Equal(new Shape(2, 4, 3), swapped.Shape);
        Assert.Equal(m[1, 2, 3], swapped[1, 3, 2]);
        Assert.Equal(new Shape(4, 2, 3), moved.Shape);
        Assert.Equal(new Shape(2, 1, 3, 4), withAxis.Shape);
        Assert.Equal(m.Shape, without.Shape);
        Assert.Equal(new Shape(2, 3, 8), joined.Shape);
        Assert.Equal(new Shape(2, 2, 3, 4), stacked.Shape);
        Assert.Equal(new Shape(1, 3, 4), parts[1].Shape);
        Assert.Equal(new Shape(2, 3, 3), pieces[1].Shape);
        Assert.Equal(new Shape(3, 5), wide.Shape);
    }

    [Fact]
    public void IndexingAndSlicing()
    {
        var v = Tensor.FromArray(new float[,] { { 0, 1, 2, 3 }, { 4, 5, 6, 7 }, { 8, 9, 10, 11 } });
        var middle = v.Slice(1, 1, 2);               // columns 1..2: (3, 2)
        var sameMiddle = v.Slice(1, 1..3);           // C# ranges: the same
        var allButLast = v.Slice(0, ..^1);           // rows 0..1: (2, 4)
        var secondRow = v.Select(0, 1);              // (4,): [4, 5, 6, 7]
        var lastColumn = v.Select(1, -1);            // (3,): [3, 7, 11]
        var lastTwo = v.Slice(1, -2, 2);             // columns 2..3, as torch.narrow(v, 1, -2, 2)
        float one = v[2, 1];                         // 9, one element (slow; for inspection)
        float corner = v[-1, -1];                    // 11: negative indices count from the end
        var rows = v.Slice(1..3);                    // v[1:3]: rows 1..2, (2, 4)
        var columns = v.Slice(.., 1..3);             // v[:, 1:3]: (3, 2), as middle
        var inner = v.Slice(1..^1, ..);              // v[1:-1, :]: (1, 4): [[4, 5, 6, 7]]
        var bottomLeft = v.Slice(^2.., ..^2);        // v[-2:, :-2]: [[4, 5], [8, 9]]
        var lastRow = v.Select(^1);                  // v[-1]: (4,): [8, 9, 10, 11]
        var firstRow = v.Select(0);                  // v[0]: (4,): [0, 1, 2, 3]
        var nextToLast = v.Select(1, ^2);            // v[:, -2]: (3,): [2, 6, 10]
        var mixed = v.Slice(1..).Select(1, 2);       // v[1:, 2]: (2,): [6, 10]

        Assert.Equal([1f, 2f, 5f, 6f, 9f, 10f], middle.ToArray());
        Assert.Equal(middle.ToArray(), sameMiddle.ToArray());
        Assert.Equal(new Shape(2, 4), allButLast.Shape);
        Assert.Equal([4f, 5f, 6f, 7f], secondRow.ToArray());
        Assert.Equal([3f, 7f, 11f], lastColumn.ToArray());
        Assert.Equal(9f, one);
        Assert.Equal([2f, 3f, 6f, 7f, 10f, 11f], lastTwo.ToArray());
        Assert.Equal(11f, corner);
        Assert.Equal(new Shape(2, 4), rows.Shape);
        Assert.Equal([4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f], rows.ToArray());
        Assert.Equal(middle.ToArray(), columns.ToArray());
        Assert.Equal(new Shape(1, 4), inner.Shape);
        Assert.Equal([4f, 5f, 6f, 7f], inner.ToArray());
        Assert.Equal([4f, 5f, 8f, 9f], bottomLeft.ToArray());
        Assert.Equal([8f, 9f, 10f, 11f], lastRow.ToArray());
        Assert.Equal([0f, 1f, 2f, 3f], firstRow.ToArray());
        Assert.Equal([2f, 6f, 10f], nextToLast.ToArray());
        Assert.Equal([6f, 10f], mixed.ToArray());
    }

    [Fact]
    public void MatrixProducts()
    {
        var batch = Tensor.RandomUniform(new Shape(8, 5, 3));   // 8 matrices (5, 3)
        var weights = Tensor.RandomUniform(new Shape(3, 2));
        var projected = batch.MatMul(weights);                    // (8, 5, 2)
        var heads = Tensor.RandomUniform(new Shape(4, 3, 6));
        var perHead = batch.Unsqueeze(1).MatMul(heads);           // (8, 1, 5, 3) · (4, 3, 6) → (8, 4, 5, 6)
        var vector = Tensor.RandomUniform(new Shape(3));
        var applied = weights.Transpose().MatMul(vector);         // (2, 3) · (3,) → (2,)

        Assert.Equal(new Shape(8, 5, 2), projected.Shape);
        Assert.Equal(new Shape(8, 4, 5, 6), perHead.Shape);
        Assert.Equal(new Shape(2), applied.Shape);
    }

    [Fact]
    public void ReadingValues()
    {
        var y = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        float[] flatValues = y.ToArray();            // row-major copy: [1, 2, 3, 4, 5, 6]
        float[,] matrix = y.ToArray2D();             // matrix[1, 2] is 6
        Array any = y.Unsqueeze(0).ToShapedArray();  // float[1, 2, 3], for any rank
        int[] classes = y.ArgMax(axis: 1).ToIntArray();  // [2, 2]
        float mean = y.Mean().Item();                // 3.5

        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], flatValues);
        Assert.Equal(6f, matrix[1, 2]);
        Assert.Equal(6f, ((float[,,])any)[0, 1, 2]);
        Assert.Equal([2, 2], classes);
        Assert.Equal(3.5f, mean);
    }

    [Fact]
    public void Autograd()
    {
        var w = Tensor.FromArray(new[] { 0.5f, -1f, 2f }, 3);
        w.RequiresGrad = true;
        var inputs = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 0, 1, 0 } });
        var output = (inputs * w).Sum(axis: 1);      // (2,): [4.5, -1]
        var objective = output.Square().Mean();      // (4.5² + 1²) / 2
        objective.Backward();
        float[] dw = w.Grad!.ToArray();              // ∂objective/∂w: [4.5, 8, 13.5]
        using (NoGrad.Scope())
        {
            var evaluated = (inputs * w).Sum(axis: 1);   // nothing recorded
        }

        Assert.Equal([4.5f, -1f], output.ToArray());
        Assert.Equal((4.5f * 4.5f + 1f) / 2f, objective.Item());
        Assert.Equal([4.5f, 8f, 13.5f], dw);
    }

    [Fact]
    public void AutogradLoopWithParameters()
    {
        var features = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } });
        var target = features.MatMul(Tensor.FromArray(new[] { 2f, -1f }, 2, 1)) + 0.5f;   // y = 2a − b + 0.5
        var weight = new Parameter(Tensor.Zeros(2, 1), "weight");   // torch.zeros(2, 1, requires_grad=True)
        var bias = new Parameter(Tensor.Zeros(1), "bias");
        var sgd = new Sgd(0.02f);                                    // torch.optim.SGD([weight, bias], lr=0.02)
        for (int step = 0; step < 500; step++)
        {
            weight.ZeroGrad();                                       // opt.zero_grad()
            bias.ZeroGrad();
            var mse = (features.MatMul(weight.Value) + bias.Value - target).Square().Mean();
            mse.Backward();
            sgd.Apply([weight, bias]);                               // opt.step()
        }
        var fitted = features.MatMul(weight.Value) + bias.Value;   // ≈ target: [0.5, 2.5, 4.5]

        var got = fitted.ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(target.ToArray()[i], got[i], 0.05f);
        Assert.Equal(500, sgd.Iterations);
        Assert.True(weight.Value.RequiresGrad);
    }

    [Fact]
    public void AutogradLoopOverRawTensors()
    {
        var features = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } });
        var target = features.MatMul(Tensor.FromArray(new[] { 2f, -1f }, 2, 1)) + 0.5f;   // y = 2a − b + 0.5
        var weight = Tensor.Zeros(2, 1);
        var bias = Tensor.Zeros(1);
        for (int step = 0; step < 500; step++)
        {
            weight.RequiresGrad = true;
            bias.RequiresGrad = true;
            var mse = (features.MatMul(weight) + bias - target).Square().Mean();
            mse.Backward();
            using (NoGrad.Scope())
            {
                weight = weight - 0.02f * weight.Grad!;
                bias = bias - 0.02f * bias.Grad!;
            }
        }
        var fitted = features.MatMul(weight) + bias;      // ≈ target: [0.5, 2.5, 4.5]

        Assert.Equal([0.5f, 2.5f, 4.5f], target.ToArray());
        var got = fitted.ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(target.ToArray()[i], got[i], 0.05f);
        Assert.False(fitted.RequiresGrad);
    }

    [Fact]
    public void CustomLoss()
    {
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [3]), new Dense(1));
        model.Compile(new Adam(0.01f), new PseudoHuber(delta: 0.5f));
        var features = Tensor.RandomUniform(new Shape(64, 3), -1f, 1f);
        var targets = (features * Tensor.FromArray(new[] { 1f, -2f, 0.5f }, 3)).Sum(axis: 1, keepDims: true);
        var history = model.Fit(features, targets, batchSize: 16, epochs: 20, verbose: 0);

        Assert.Equal(20, history["loss"].Count);
        Assert.True(history["loss"][^1] < history["loss"][0]);
    }

    [Fact]
    public void PostProcessing()
    {
        var probabilities = Tensor.FromArray(new float[,]
        {
            { 0.1f, 0.7f, 0.2f },
            { 0.3f, 0.3f, 0.4f },
            { 0.05f, 0.05f, 0.9f },
        });                                                    // e.g. model.Predict(images)
        int[] predicted = probabilities.ArgMax(axis: 1).ToIntArray();   // [1, 2, 2]
        var confidence = probabilities.Max(axis: 1);                     // [0.7, 0.4, 0.9]
        var sure = confidence.GreaterEqual(0.5f);                        // [1, 0, 1]
        var labelOrUnknown = Tensor.Where(sure, probabilities.ArgMax(axis: 1).ToFloat(), -1f);   // [1, -1, 2]
        var entropy = -(probabilities * probabilities.Log()).Sum(axis: 1);    // per-sample uncertainty
        float[,] table = Tensor.Stack([confidence, entropy], axis: 1).ToArray2D();

        Assert.Equal([1, 2, 2], predicted);
        Assert.Equal([0.7f, 0.4f, 0.9f], confidence.ToArray());
        Assert.Equal([1f, 0f, 1f], sure.ToArray());
        Assert.Equal([1f, -1f, 2f], labelOrUnknown.ToArray());
        Assert.Equal(0.7f, table[0, 0]);
        Assert.True(table[1, 1] > table[2, 1]);
    }

    /// <summary>The pseudo-Huber loss δ²(√(1 + (e/δ)²) − 1), averaged over the last axis.</summary>
    public sealed class PseudoHuber(float delta = 1f) : Loss
    {
        public override string Name => "pseudo_huber";

        public override Tensor PerSample(Tensor yTrue, Tensor yPred)
        {
            var e = (yPred - yTrue) / delta;
            return (delta * delta * ((1f + e.Square()).Sqrt() - 1f)).Mean(axis: -1);
        }
    }

    /// <summary>Each ```csharp block of docs/tensors.md occurs in this file, line for line (indentation aside).</summary>
    [Fact]
    public void DocsBlocksAreTheseExamples()
    {
        string root = DeepSharp.Tests.Architecture.RepositoryRoot.Path;
        var doc = File.ReadAllLines(Path.Combine(root, "docs", "tensors.md"));
        var source = File.ReadAllLines(Path.Combine(root, "tests", "DeepSharp.Tests", "Tensors", "TensorDocsExamplesTests.cs"))
            .Select(l => l.Trim()).ToArray();
        int blocks = 0;
        for (int i = 0; i < doc.Length; i++)
        {
            if (doc[i].Trim() != "```csharp") continue;
            var block = new List<string>();
            for (i++; i < doc.Length && doc[i].Trim() != "```"; i++) block.Add(doc[i].Trim());
            blocks++;
            bool found = false;
            for (int s = 0; !found && s + block.Count <= source.Length; s++)
                found = block.Select((line, k) => source[s + k] == line).All(b => b);
            Assert.True(found, "docs/tensors.md has a block that is not in TensorDocsExamplesTests:\n" + string.Join("\n", block));
        }
        Assert.True(blocks >= 14, $"docs/tensors.md has {blocks} csharp blocks; the examples are gone");
    }
}
