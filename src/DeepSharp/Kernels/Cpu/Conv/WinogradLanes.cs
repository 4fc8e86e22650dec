using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The few vector operations the Winograd transforms use, over one vector width, so that each
/// transform is written once (<see cref="WinogradTransforms"/>) and the JIT specialises it for
/// 512-, 256- and 128-bit vectors and for single floats (the channel tail).
/// </summary>
/// <typeparam name="TV">The vector (or scalar) type.</typeparam>
internal unsafe interface IWinogradLanes<TV>
{
    /// <summary>Floats per <typeparamref name="TV"/>.</summary>
    static abstract int Count { get; }

    /// <summary>Whether this width runs in hardware here.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>Loads <see cref="Count"/> floats.</summary>
    static abstract TV Load(float* p);

    /// <summary>Stores <see cref="Count"/> floats.</summary>
    static abstract void Store(TV v, float* p);

    /// <summary>a + b.</summary>
    static abstract TV Add(TV a, TV b);

    /// <summary>a − b.</summary>
    static abstract TV Sub(TV a, TV b);

    /// <summary>−v.</summary>
    static abstract TV Neg(TV v);

    /// <summary>v·s (the F(4,3) transforms scale by 2, 4 and 8 only: exact).</summary>
    static abstract TV Scale(TV v, float s);

    /// <summary>max(v, 0).</summary>
    static abstract TV Relu(TV v);
}

/// <summary>512-bit lanes (16 floats).</summary>
internal readonly unsafe struct WinogradLanes512 : IWinogradLanes<Vector512<float>>
{
    public static int Count => 16;
    public static bool IsSupported => Vector512.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sub(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Neg(Vector512<float> v) => -v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Scale(Vector512<float> v, float s) => v * s;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Relu(Vector512<float> v) => Vector512.Max(v, Vector512<float>.Zero);
}

/// <summary>256-bit lanes (8 floats).</summary>
internal readonly unsafe struct WinogradLanes256 : IWinogradLanes<Vector256<float>>
{
    public static int Count => 8;
    public static bool IsSupported => Vector256.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sub(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Neg(Vector256<float> v) => -v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Scale(Vector256<float> v, float s) => v * s;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Relu(Vector256<float> v) => Vector256.Max(v, Vector256<float>.Zero);
}

/// <summary>128-bit lanes (4 floats).</summary>
internal readonly unsafe struct WinogradLanes128 : IWinogradLanes<Vector128<float>>
{
    public static int Count => 4;
    public static bool IsSupported => Vector128.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Sub(Vector128<float> a, Vector128<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Neg(Vector128<float> v) => -v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Scale(Vector128<float> v, float s) => v * s;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Relu(Vector128<float> v) => Vector128.Max(v, Vector128<float>.Zero);
}

/// <summary>One float at a time (the channels left after the vectors).</summary>
internal readonly unsafe struct WinogradLanes1 : IWinogradLanes<float>
{
    public static int Count => 1;
    public static bool IsSupported => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(float* p) => *p;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float v, float* p) => *p = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float a, float b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sub(float a, float b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Neg(float v) => -v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Scale(float v, float s) => v * s;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Relu(float v) => Math.Max(v, 0f);
}
