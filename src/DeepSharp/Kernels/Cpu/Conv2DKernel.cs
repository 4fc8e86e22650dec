using System.Numerics;
using DeepSharp.Kernels.Cpu.Conv;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// NHWC 2-D convolution with a (KH, KW, Cin, Cout) kernel; see <see cref="NaiveConv2D"/> for the
/// exact contract. Vectorised over output channels (over output rows for narrow stride-1 layers on
/// AVX-512, <see cref="ConvPixelRows512"/>) and spread over <see cref="WorkerPool.Shared"/>;
/// falls back to the naive twin where the JIT has no SIMD. Results are identical for any thread count.
/// </summary>
internal static unsafe class Conv2DKernel
{
    /// <summary>
    /// Writes y (N, OutH, OutW, Cout). An empty <paramref name="bias"/> means no bias; with
    /// <paramref name="relu"/> y = max(conv + bias, 0), applied as the results are stored.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in Conv2DGeometry g, bool relu = false)
    {
        Validate(g, x.Length, w.Length, y.Length, "y");
        if (!bias.IsEmpty && bias.Length < g.OutC)
            throw new ArgumentException($"Bias has {bias.Length} elements; expected {g.OutC} or none.", nameof(bias));
        if (!Vector.IsHardwareAccelerated)
        {
            NaiveConv2D.Forward(x, w, bias, y, g);
            if (relu) NaiveActivations.Relu(y[..g.OutputLength], y[..g.OutputLength]);
            return;
        }
        fixed (float* px = x, pw = w, pb = bias, py = y)
            ConvForward.Run(px, pw, bias.IsEmpty ? null : pb, py, g, relu);
    }

    /// <summary>dx += ∂L/∂x given dy.</summary>
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, in Conv2DGeometry g)
    {
        Validate(g, dx.Length, w.Length, dy.Length, "dy");
        if (!Vector.IsHardwareAccelerated)
        {
            NaiveConv2D.BackwardInput(dy, w, dx, g);
            return;
        }
        fixed (float* pdy = dy, pw = w, pdx = dx)
            ConvBackwardInput.Run(pdy, pw, pdx, g);
    }

    /// <summary>dw += ∂L/∂w given x and dy; bit-identical for any thread count.</summary>
    public static void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in Conv2DGeometry g)
    {
        Validate(g, x.Length, dw.Length, dy.Length, "dy");
        if (!Vector.IsHardwareAccelerated)
        {
            NaiveConv2D.BackwardKernel(x, dy, dw, g);
            return;
        }
        fixed (float* px = x, pdy = dy, pdw = dw)
            ConvBackwardKernel.Run(px, pdy, pdw, g);
    }

    /// <summary>
    /// The backward pass of a convolution with a fused ReLU and bias, after any input gradient:
    /// masks <paramref name="dy"/> in place where <paramref name="reluOutput"/> (the layer's output)
    /// is ≤ 0 (skipped when empty), then dw += ∂L/∂w and db += Σ dy (db skipped when empty) — one
    /// parallel pass over dy. Bit-identical for any thread count.
    /// </summary>
    public static void BackwardKernelFused(ReadOnlySpan<float> x, Span<float> dy, ReadOnlySpan<float> reluOutput,
        Span<float> dw, Span<float> db, in Conv2DGeometry g)
    {
        Validate(g, x.Length, dw.Length, dy.Length, "dy");
        if (!reluOutput.IsEmpty && reluOutput.Length < g.OutputLength)
            throw new ArgumentException($"ReLU output has {reluOutput.Length} elements; geometry {g} needs {g.OutputLength}.", nameof(reluOutput));
        if (!db.IsEmpty && db.Length < g.OutC)
            throw new ArgumentException($"Bias gradient has {db.Length} elements; expected {g.OutC} or none.", nameof(db));
        if (!Vector.IsHardwareAccelerated)
        {
            if (!reluOutput.IsEmpty) NaiveActivations.ReluMaskGradient(reluOutput[..g.OutputLength], dy[..g.OutputLength]);
            NaiveConv2D.BackwardKernel(x, dy, dw, g);
            if (!db.IsEmpty) NaiveReductions.SumRows(dy[..g.OutputLength], db, g.Batch * g.OutH * g.OutW, g.OutC);
            return;
        }
        fixed (float* px = x, pdy = dy, pr = reluOutput, pdw = dw, pdb = db)
            ConvBackwardKernel.Run(px, pdy, pdw, g, reluOutput.IsEmpty ? null : pr, db.IsEmpty ? null : pdb);
    }

    // The fast paths use pointers, so a short span must fail here rather than read past its end.
    private static void Validate(in Conv2DGeometry g, int inputLength, int kernelLength, int outputLength, string outputName)
    {
        g.Validate();
        if (inputLength < g.InputLength)
            throw new ArgumentException($"Input has {inputLength} elements; geometry {g} needs {g.InputLength}.");
        if (kernelLength < g.KernelLength)
            throw new ArgumentException($"Kernel has {kernelLength} elements; geometry {g} needs {g.KernelLength}.");
        if (outputLength < g.OutputLength)
            throw new ArgumentException($"{outputName} has {outputLength} elements; geometry {g} needs {g.OutputLength}.");
    }
}
