using System.Runtime.CompilerServices;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Conv;
using DeepSharp.Kernels.Cpu.Inference;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// Predict's fused convolution stage: a Conv2D (ReLU or linear), optionally a BatchNormalization
/// (folded into the kernel, as the ONNX export folds it) and a ReLU ActivationLayer after a linear
/// one, and optionally a MaxPooling2D whose strides equal its size — run as one pass per tile that,
/// with the pool, never writes the convolution's output (<see cref="WinogradConvPool"/> for 3×3 stride-1 layers with
/// at least 16 channels in and out, <see cref="DirectConvPool"/> for other unpadded ones).
/// </summary>
/// <remarks>
/// The kernel is transformed (Winograd) or packed (direct), BatchNormalization folded in, once per
/// layer and cached; the cache is stamped with the versions of every weight it was built from
/// (<see cref="CpuStorage{T}.Version"/> counts each hand-out of a weight's elements, which every
/// write — an optimizer step, SetWeights, loading a file, a user's write through
/// <see cref="Tensor.Span"/> — takes), and rebuilt when any has moved. At batch 1 the tiles of the
/// image are split over the threads; results do not depend on the split or the thread count.
/// </remarks>
internal static class ConvPoolFusion
{
    /// <summary>Below this many convolution multiply-adds at batch 1, the image is not split over the threads.</summary>
    public const long MinSplitWork = 1L << 16;

    private static readonly ConditionalWeakTable<Conv2D, Packed> s_cache = new();

    /// <summary>
    /// The layers from <paramref name="first"/> through the pool (or the last of the convolution,
    /// BatchNormalization and ReLU when no pool follows) on <paramref name="x"/>, fused, with
    /// <paramref name="last"/> the last one's index; null (and nothing run) when the pattern or shapes do not apply.
    /// </summary>
    internal static Tensor? TryFused(IReadOnlyList<Layer> layers, int first, Tensor x, out int last)
    {
        last = first;
        // Without vector hardware the training convolution is the naive twin: the layers run as they are.
        if (!System.Numerics.Vector.IsHardwareAccelerated) return null;
        if (layers[first] is not Conv2D conv || !conv.IsBuilt || conv.ActivityRegularizer is not null || x.Rank != 4) return null;
        bool relu = conv.Activation == Activation.Relu;
        if (!relu && conv.Activation != Activation.Linear) return null;
        int j = first + 1;
        BatchNormalization? bn = null;
        if (!relu && j < layers.Count && layers[j] is BatchNormalization b && b.IsBuilt && b.ActivityRegularizer is null && (b.Axis == -1 || b.Axis == 3))
        {
            bn = b;
            j++;
        }
        if (!relu && j < layers.Count && layers[j] is ActivationLayer a && a.Activation == Activation.Relu && a.ActivityRegularizer is null)
        {
            relu = true;
            j++;
        }
        var pool = j < layers.Count && layers[j] is MaxPooling2D p && p.ActivityRegularizer is null && p.Padding == Padding.Valid
            && p.Strides == p.PoolSize ? p : null;
        var poolSize = pool?.PoolSize ?? (1, 1);
        var kernelShape = Weight(conv, "kernel").Shape;
        if (x.Shape[3] != kernelShape[2]) return null; // the layer's own forward reports the mismatch
        var g = Conv2DGeometry.Create(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], kernelShape[3], kernelShape[0], kernelShape[1],
            conv.Strides.H, conv.Strides.W, conv.Padding == Padding.Same, conv.DilationRate.H, conv.DilationRate.W);
        bool winograd = (pool is null || pool.PoolSize == (2, 2)) && UsesWinograd(g);
        if (!winograd && !DirectConvPool.Fits(g)) return null;
        var outShape = new Shape(g.Batch, g.OutH / poolSize.H, g.OutW / poolSize.W, g.OutC);
        var packed = Cached(conv, bn, winograd);
        long work = (long)g.OutH * g.OutW * g.KernelH * g.KernelW * g.InC * g.OutC;
        int split = g.Batch < Threads.Count && work >= MinSplitWork ? Threads.Count : 1;
        var y = Tensor.Temp(outShape);
        unsafe
        {
            fixed (float* px = x.Span, py = y.Span)
            {
                if (winograd) WinogradConvPool.Run(px, packed.Winograd!, py, g, relu, split, pool: pool is not null);
                else DirectConvPool.Run(px, packed.Direct!, py, g, poolSize.H, poolSize.W, relu, split);
            }
        }
        last = pool is null ? j - 1 : j;
        return y;
    }

    /// <summary>
    /// Winograd for a 3×3 stride-1 undilated convolution (pooled 2×2, or not pooled), with at least 16 channels in and
    /// out (as <see cref="WinogradF23"/>'s Auto; the kernel transform, cached here, no longer needs
    /// many tiles to pay); the thread's <see cref="WinogradF23.Mode"/> forces it on or off.
    /// </summary>
    private static bool UsesWinograd(in Conv2DGeometry g) =>
        WinogradConvPool.Fits(g) && WinogradF23.Mode switch
        {
            WinogradF23.Choice.Never => false,
            WinogradF23.Choice.Always => true,
            _ => g.InC >= 16 && g.OutC >= 16,
        };

    private static Packed Cached(Conv2D conv, BatchNormalization? bn, bool winograd)
    {
        if (s_cache.TryGetValue(conv, out var packed) && packed.Matches(bn, winograd)) return packed;
        packed = Packed.Build(conv, bn, winograd);
        s_cache.AddOrUpdate(conv, packed);
        return packed;
    }

    /// <summary>The versions of the weights' storages summed: each only grows, so the sum moves when any one does.</summary>
    private static long Stamp(Tensor[] sources)
    {
        long stamp = 0;
        foreach (var t in sources) stamp += ((CpuStorage<float>)t.Storage).Version;
        return stamp;
    }

    private static Tensor Weight(Layer layer, string name)
    {
        foreach (var p in layer.Parameters)
            if (p.Name == name) return p.Value;
        throw new InvalidOperationException($"{layer.TypeName} '{layer.Name}' has no weight '{name}'.");
    }

    /// <summary>One layer's prepared kernel, with the weights it came from and their stamp when it was built.</summary>
    private sealed class Packed
    {
        private readonly Tensor[] _sources;
        private readonly long _stamp;
        private readonly BatchNormalization? _bn;

        private Packed(Tensor[] sources, BatchNormalization? bn, WinogradKernel? winograd, DirectKernel? direct)
        {
            _sources = sources;
            _bn = bn;
            Winograd = winograd;
            Direct = direct;
            _stamp = Stamp(sources); // after the build read the weights: those reads counted
        }

        public WinogradKernel? Winograd { get; }

        public DirectKernel? Direct { get; }

        public bool Matches(BatchNormalization? bn, bool winograd) =>
            ReferenceEquals(bn, _bn) && (winograd ? Winograd is not null : Direct is not null) && Stamp(_sources) == _stamp;

        public static Packed Build(Conv2D conv, BatchNormalization? bn, bool winograd)
        {
            var kernel = Weight(conv, "kernel");
            Tensor? bias = conv.UseBias ? Weight(conv, "bias") : null;
            var sources = new List<Tensor> { kernel };
            if (bias is not null) sources.Add(bias);
            if (bn is not null)
            {
                foreach (var p in bn.Parameters) sources.Add(p.Value); // gamma, beta, moving mean and variance
                (kernel, bias) = BatchNormFolding.Fold(kernel, bias, bn);
            }
            var s = kernel.Shape;
            ReadOnlySpan<float> b = bias is null ? default : bias.Span;
            return winograd
                ? new Packed([.. sources], bn, new WinogradKernel(kernel.Span, b, s[2], s[3]), null)
                : new Packed([.. sources], bn, null, new DirectKernel(kernel.Span, b, s[0], s[1], s[2], s[3]));
        }
    }
}
