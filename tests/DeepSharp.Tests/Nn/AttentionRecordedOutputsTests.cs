using System.Globalization;
using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using static DeepSharp.Tests.Training.KvCacheTests;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// MultiHeadAttention and GroupQueryAttention against outputs, scores and gradients recorded from
/// main before the two layers were folded onto one base (ProjectedAttention): the refactor must not
/// change a bit. Weights and inputs come from fixed-seed generators, so the recording is
/// deterministic; it was made on an Intel AVX-512 machine, where the comparison is exact. Elsewhere
/// (another instruction set, or an AMD CPU whose tuned kernels block differently) the products may round
/// differently, so there it allows a few units in the last place.
/// </summary>
public class AttentionRecordedOutputsTests
{
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void OutputsAreTheRecordedBits(string name)
    {
        var actual = Cases()[name]();
        var expected = AttentionRecordedOutputs.Values[name];
        Assert.Equal(expected.Length, actual.Length);
        bool exact = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && DeepSharp.Kernels.Cpu.CpuIdentity.IsIntel;
        for (int i = 0; i < actual.Length; i++)
        {
            int a = BitConverter.SingleToInt32Bits(actual[i]), e = BitConverter.SingleToInt32Bits(expected[i]);
            bool same = exact ? a == e : Math.Abs((long)a - e) <= 16 || Math.Abs(actual[i] - expected[i]) <= 1e-6f;
            Assert.True(same, $"{name}[{i}]: recorded {expected[i].ToString("R", CultureInfo.InvariantCulture)}, now {actual[i].ToString("R", CultureInfo.InvariantCulture)}");
        }
    }

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in Cases().Keys) data.Add(name);
        return data;
    }

    /// <summary>Each case: the floats it produces (outputs, then scores or gradients), in a fixed order.</summary>
    internal static Dictionary<string, Func<float[]>> Cases() => new()
    {
        ["mha.self"] = () => Run(new MultiHeadAttention(2, 3), l => l.Call([Input(1, 2, 4, 5)])),
        ["mha.cross.mask.causal.scores"] = () =>
        {
            var mha = new MultiHeadAttention(2, 3, valueDim: 2, outputShape: 7);
            var (output, scores) = WithWeights(mha, new Shape(3, 4), new Shape(5, 6), new Shape(5, 3))
                .CallWithScores(Input(2, 2, 3, 4), Input(3, 2, 5, 6), Input(4, 2, 5, 3), Mask(2, 3, 5), useCausalMask: true);
            return [.. output.ToArray(), .. scores.ToArray()];
        },
        ["mha.nobias.cross"] = () => Run(new MultiHeadAttention(3, 2, useBias: false), l => l.Call(Input(5, 2, 2, 4), Input(6, 2, 3, 4))),
        ["mha.dropout.training"] = () => Run(new MultiHeadAttention(2, 2, dropout: 0.3f, seed: 7), l => l.Call(Input(7, 2, 4, 4), Input(8, 2, 4, 4), training: true)),
        ["mha.self.causal.gradients"] = () => Gradients(new MultiHeadAttention(2, 3)),
        ["mha.propagated.mask"] = () => Masked(new MultiHeadAttention(2, 2)),
        ["mha.step"] = () =>
        {
            var mha = WithWeights(new MultiHeadAttention(2, 3), new Shape(5, 6), new Shape(5, 6), null);
            var x = Input(9, 2, 5, 6);
            var cache = new KvCache(5);
            return [.. mha.Step(Slice(x, 0, 2), cache).ToArray(), .. mha.Step(Slice(x, 2, 1), cache).ToArray(),
                .. mha.Step(Slice(x, 3, 2), cache).ToArray()];
        },
        ["gqa.self"] = () => Run(new GroupQueryAttention(3, 4, 2), l => l.Call([Input(10, 2, 4, 5)])),
        ["gqa.cross.mask.causal.scores"] = () =>
        {
            var gqa = new GroupQueryAttention(2, 6, 3);
            var (output, scores) = WithWeights(gqa, new Shape(3, 4), new Shape(5, 6), new Shape(5, 3))
                .CallWithScores(Input(11, 2, 3, 4), Input(12, 2, 5, 6), Input(13, 2, 5, 3), Mask(2, 3, 5), useCausalMask: true);
            return [.. output.ToArray(), .. scores.ToArray()];
        },
        ["gqa.self.causal.gradients"] = () => Gradients(new GroupQueryAttention(2, 4, 1)),
        ["gqa.propagated.mask"] = () => Masked(new GroupQueryAttention(2, 4, 2)),
    };

    private static float[] Run<T>(T layer, Func<T, Tensor> call) where T : Layer
    {
        var rng = new RandomGenerator(9);
        _ = call(layer); // builds with the glorot weights; then every weight gets a fixed, non-zero value
        foreach (var p in layer.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f);
        return call(layer).ToArray();
    }

    private static T WithWeights<T>(T layer, Shape query, Shape value, Shape? key) where T : Layer
    {
        switch (layer)
        {
            case MultiHeadAttention m: m.Build(query, value, key); break;
            case GroupQueryAttention g: g.Build(query, value, key); break;
        }
        var rng = new RandomGenerator(9);
        foreach (var p in layer.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f);
        return layer;
    }

    /// <summary>Causal self-attention's gradients of Σ output·w: the input's, then each weight's in order.</summary>
    private static float[] Gradients(Layer layer)
    {
        var x = Input(14, 2, 4, 6);
        WithWeights(layer, new Shape(4, 6), new Shape(4, 6), null);
        x.RequiresGrad = true;
        var output = layer switch
        {
            MultiHeadAttention m => m.Call(x, x, useCausalMask: true),
            GroupQueryAttention g => g.Call(x, x, useCausalMask: true),
            _ => throw new ArgumentException(layer.TypeName),
        };
        var w = Input(15, output.Shape.ToArray());
        Ops.Sum(Ops.Multiply(output, w)).Backward();
        var all = new List<float>(output.ToArray());
        all.AddRange(x.Grad!.ToArray());
        foreach (var p in layer.Parameters) all.AddRange(p.Value.Grad!.ToArray());
        return [.. all];
    }

    /// <summary>Embedding(mask_zero) → the layer on one input (a propagated mask) in a Sequential model.</summary>
    private static float[] Masked(Layer layer)
    {
        var model = new Sequential(new Embedding(7, 4, maskZero: true, inputShape: [5]), layer);
        var tokens = Tensor.FromArray(new[] { 3, 1, 4, 0, 0, /* */ 5, 0, 2, 6, 1 }, 2, 5);
        model.Call(tokens);
        var rng = new RandomGenerator(9);
        foreach (var p in model.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f);
        return model.Call(tokens).ToArray();
    }

    private static Tensor Input(int seed, params int[] shape) => GradCheck.Random(seed, shape);

    private static Tensor Mask(int batch, int tq, int tv)
    {
        var mask = Tensor.Zeros(batch, tq, tv);
        var m = mask.Span;
        for (int i = 0; i < m.Length; i++) m[i] = (i * 7 + 3) % 5 == 0 ? 0f : 1f;
        return mask;
    }
}
