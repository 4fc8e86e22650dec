using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu.Pool;

/// <summary>
/// One output pixel of max pooling over the channels [0, count), as a <see cref="VectorLoop"/>
/// body: a vector of running maxima and one of their flat input indices per channel block; a tap
/// replaces them only where it is strictly greater, so the first maximum in scan order (kh, then
/// kw) wins, as in the twin, and NaN never replaces (nor is replaced).
/// </summary>
/// <remarks>
/// The window is the in-bounds rows×cols taps from input index <c>first</c>, pixels <c>c</c> apart
/// and rows <c>rowStride</c> apart; results go to output index <c>o</c>. The vector bodies are
/// marked for inlining: without it the JIT's disassembly shows a call per channel block.
/// </remarks>
internal readonly unsafe struct MaxPoolWindow(float* x, float* y, int* argmax, int first, int rows, int cols, int rowStride, int c, int o)
    : IVectorLoopBody
{
    public void Invoke(nuint ch)
    {
        int i0 = first + (int)ch, bestIndex = i0;
        float best = x[i0];
        for (int r = 0; r < rows; r++)
            for (int s = r == 0 ? 1 : 0; s < cols; s++) MaxPoolTaps.Take(x, ref best, ref bestIndex, i0 + r * rowStride + s * c);
        y[o + (int)ch] = best;
        argmax[o + (int)ch] = bestIndex;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke128(nuint ch)
    {
        int i0 = first + (int)ch;
        var best = Vector128.Load(x + i0);
        var index = Vector128.Create(i0) + Vector128<int>.Indices;
        for (int r = 0; r < rows; r++)
            for (int s = r == 0 ? 1 : 0; s < cols; s++) MaxPoolTaps.Take(x, ref best, ref index, i0 + r * rowStride + s * c);
        best.Store(y + o + (int)ch);
        index.Store(argmax + o + (int)ch);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke256(nuint ch)
    {
        int i0 = first + (int)ch;
        var best = Vector256.Load(x + i0);
        var index = Vector256.Create(i0) + Vector256<int>.Indices;
        for (int r = 0; r < rows; r++)
            for (int s = r == 0 ? 1 : 0; s < cols; s++) MaxPoolTaps.Take(x, ref best, ref index, i0 + r * rowStride + s * c);
        best.Store(y + o + (int)ch);
        index.Store(argmax + o + (int)ch);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke512(nuint ch)
    {
        int i0 = first + (int)ch;
        var best = Vector512.Load(x + i0);
        var index = Vector512.Create(i0) + Vector512<int>.Indices;
        for (int r = 0; r < rows; r++)
            for (int s = r == 0 ? 1 : 0; s < cols; s++) MaxPoolTaps.Take(x, ref best, ref index, i0 + r * rowStride + s * c);
        best.Store(y + o + (int)ch);
        index.Store(argmax + o + (int)ch);
    }
}

/// <summary>As <see cref="MaxPoolWindow"/> for a full 2×2 window, its three later taps unrolled.</summary>
internal readonly unsafe struct MaxPool2x2Window(float* x, float* y, int* argmax, int first, int rowStride, int c, int o)
    : IVectorLoopBody
{
    public void Invoke(nuint ch)
    {
        int i = first + (int)ch, bestIndex = i;
        float best = x[i];
        MaxPoolTaps.Take(x, ref best, ref bestIndex, i + c);
        MaxPoolTaps.Take(x, ref best, ref bestIndex, i + rowStride);
        MaxPoolTaps.Take(x, ref best, ref bestIndex, i + rowStride + c);
        y[o + (int)ch] = best;
        argmax[o + (int)ch] = bestIndex;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke128(nuint ch)
    {
        int i = first + (int)ch;
        var best = Vector128.Load(x + i);
        var index = Vector128.Create(i) + Vector128<int>.Indices;
        MaxPoolTaps.Take(x, ref best, ref index, i + c);
        MaxPoolTaps.Take(x, ref best, ref index, i + rowStride);
        MaxPoolTaps.Take(x, ref best, ref index, i + rowStride + c);
        best.Store(y + o + (int)ch);
        index.Store(argmax + o + (int)ch);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke256(nuint ch)
    {
        int i = first + (int)ch;
        var best = Vector256.Load(x + i);
        var index = Vector256.Create(i) + Vector256<int>.Indices;
        MaxPoolTaps.Take(x, ref best, ref index, i + c);
        MaxPoolTaps.Take(x, ref best, ref index, i + rowStride);
        MaxPoolTaps.Take(x, ref best, ref index, i + rowStride + c);
        best.Store(y + o + (int)ch);
        index.Store(argmax + o + (int)ch);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke512(nuint ch)
    {
        int i = first + (int)ch;
        var best = Vector512.Load(x + i);
        var index = Vector512.Create(i) + Vector512<int>.Indices;
        MaxPoolTaps.Take(x, ref best, ref index, i + c);
        MaxPoolTaps.Take(x, ref best, ref index, i + rowStride);
        MaxPoolTaps.Take(x, ref best, ref index, i + rowStride + c);
        best.Store(y + o + (int)ch);
        index.Store(argmax + o + (int)ch);
    }
}

/// <summary>One tap of a max-pool window at input index i: taken where strictly greater.</summary>
internal static unsafe class MaxPoolTaps
{
    public static void Take(float* x, ref float best, ref int index, int i)
    {
        if (x[i] > best)
        {
            best = x[i];
            index = i;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Take(float* x, ref Vector128<float> best, ref Vector128<int> index, int i)
    {
        var v = Vector128.Load(x + i);
        var greater = Vector128.GreaterThan(v, best);
        best = Vector128.ConditionalSelect(greater, v, best);
        index = Vector128.ConditionalSelect(greater.AsInt32(), Vector128.Create(i) + Vector128<int>.Indices, index);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Take(float* x, ref Vector256<float> best, ref Vector256<int> index, int i)
    {
        var v = Vector256.Load(x + i);
        var greater = Vector256.GreaterThan(v, best);
        best = Vector256.ConditionalSelect(greater, v, best);
        index = Vector256.ConditionalSelect(greater.AsInt32(), Vector256.Create(i) + Vector256<int>.Indices, index);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Take(float* x, ref Vector512<float> best, ref Vector512<int> index, int i)
    {
        var v = Vector512.Load(x + i);
        var greater = Vector512.GreaterThan(v, best);
        best = Vector512.ConditionalSelect(greater, v, best);
        index = Vector512.ConditionalSelect(greater.AsInt32(), Vector512.Create(i) + Vector512<int>.Indices, index);
    }
}
