using System.Numerics.Tensors;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The im2col driver behind <see cref="Conv3DKernel"/> (see its implementation notes): gathers blocks
/// of output depth slices into a columns matrix (one work item per slice), multiplies with
/// <see cref="Gemm.Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool)"/>,
/// and for the input gradient scatters the columns back (one work item per sample).
/// </summary>
internal sealed unsafe class Conv3DColumns : IParallelBody
{
    /// <summary>About 4 MB of columns per block: large enough for GEMM, small enough for L3.</summary>
    private const long BlockFloats = 1 << 20;

    [ThreadStatic] private static Conv3DColumns? t_instance;

    private Conv3DGeometry _g;
    private float* _volume; // x (gather) or dx (scatter)
    private float* _cols;
    private int _firstSlice, _endSlice, _firstSample, _channel0;
    private bool _scatter;

    private int RowLength => _g.Taps * _g.GroupInC;

    public static void Forward(float* x, float* w, float* y, in Conv3DGeometry g)
    {
        var body = Begin(g);
        try
        {
            for (int group = 0; group < g.Groups; group++)
                for (int first = 0, block = BlockSlices(g, out int rowsPerSlice), slices = g.Batch * g.OutD; first < slices; first += block)
                {
                    int end = Math.Min(first + block, slices);
                    body.Gather(x, group, first, end);
                    int m = (end - first) * rowsPerSlice, k = body.RowLength, c0 = group * g.GroupOutC;
                    long yStart = (long)first * rowsPerSlice * g.OutC + c0;
                    Gemm.Multiply(false, false, m, g.GroupOutC, k,
                        new ReadOnlySpan<float>(body._cols, m * k), k,
                        new ReadOnlySpan<float>(w + c0, g.KernelLength - c0), g.OutC,
                        new Span<float>(y + yStart, (int)(g.OutputLength - yStart)), g.OutC, accumulate: false);
                }
        }
        finally { body.End(); }
    }

    public static void BackwardInput(float* dy, float* w, float* dx, in Conv3DGeometry g)
    {
        var body = Begin(g);
        try
        {
            for (int group = 0; group < g.Groups; group++)
                for (int first = 0, block = BlockSlices(g, out int rowsPerSlice), slices = g.Batch * g.OutD; first < slices; first += block)
                {
                    int end = Math.Min(first + block, slices);
                    int m = (end - first) * rowsPerSlice, k = body.RowLength, c0 = group * g.GroupOutC;
                    body._cols = Scratch.Floats(Scratch.TileC, (long)m * k);
                    long dyStart = (long)first * rowsPerSlice * g.OutC + c0;
                    Gemm.Multiply(false, true, m, k, g.GroupOutC,
                        new ReadOnlySpan<float>(dy + dyStart, (int)(g.OutputLength - dyStart)), g.OutC,
                        new ReadOnlySpan<float>(w + c0, g.KernelLength - c0), g.OutC,
                        new Span<float>(body._cols, m * k), k, accumulate: false);
                    body.Scatter(dx, group, first, end);
                }
        }
        finally { body.End(); }
    }

    public static void BackwardKernel(float* x, float* dy, float* dw, in Conv3DGeometry g)
    {
        var body = Begin(g);
        try
        {
            for (int group = 0; group < g.Groups; group++)
                for (int first = 0, block = BlockSlices(g, out int rowsPerSlice), slices = g.Batch * g.OutD; first < slices; first += block)
                {
                    int end = Math.Min(first + block, slices);
                    body.Gather(x, group, first, end);
                    int m = (end - first) * rowsPerSlice, k = body.RowLength, c0 = group * g.GroupOutC;
                    long dyStart = (long)first * rowsPerSlice * g.OutC + c0;
                    Gemm.Multiply(true, false, k, g.GroupOutC, m,
                        new ReadOnlySpan<float>(body._cols, m * k), k,
                        new ReadOnlySpan<float>(dy + dyStart, (int)(g.OutputLength - dyStart)), g.OutC,
                        new Span<float>(dw + c0, g.KernelLength - c0), g.OutC, accumulate: true);
                }
        }
        finally { body.End(); }
    }

    /// <summary>Output slices (n·OutD + od) per block, set by the geometry alone (never by the thread count).</summary>
    private static int BlockSlices(in Conv3DGeometry g, out int rowsPerSlice)
    {
        rowsPerSlice = g.OutH * g.OutW;
        long sliceFloats = Math.Max(1L, (long)rowsPerSlice * g.Taps * g.GroupInC);
        return (int)Math.Clamp(BlockFloats / sliceFloats, 1, Math.Max(g.Batch * g.OutD, 1));
    }

    private static Conv3DColumns Begin(in Conv3DGeometry g)
    {
        var body = t_instance ??= new Conv3DColumns();
        body._g = g;
        return body;
    }

    private void End() => _volume = _cols = null;

    private void Gather(float* x, int group, int first, int end)
    {
        int rowsPerSlice = _g.OutH * _g.OutW;
        _cols = Scratch.Floats(Scratch.TileC, (long)(end - first) * rowsPerSlice * RowLength);
        _volume = x;
        (_channel0, _firstSlice, _endSlice, _scatter) = (group * _g.GroupInC, first, end, false);
        WorkerPool.Shared.For(end - first, this, (long)(end - first) * rowsPerSlice * RowLength);
    }

    private void Scatter(float* dx, int group, int first, int end)
    {
        int firstSample = first / _g.OutD, lastSample = (end - 1) / _g.OutD;
        _volume = dx;
        (_channel0, _firstSlice, _endSlice, _firstSample, _scatter) = (group * _g.GroupInC, first, end, firstSample, true);
        WorkerPool.Shared.For(lastSample - firstSample + 1, this, (long)(end - first) * _g.OutH * _g.OutW * RowLength);
    }

    public void Execute(int index)
    {
        if (!_scatter)
        {
            Slice(_firstSlice + index);
            return;
        }
        int n = _firstSample + index;
        int from = Math.Max(_firstSlice, n * _g.OutD), to = Math.Min(_endSlice, (n + 1) * _g.OutD);
        for (int s = from; s < to; s++) Slice(s);
    }

    /// <summary>Copies slice <paramref name="s"/>'s taps into its rows of the columns (gather) or adds them back into dx (scatter).</summary>
    private void Slice(int s)
    {
        ref readonly var g = ref _g;
        int n = s / g.OutD, od = s % g.OutD, cin = g.GroupInC;
        long rowsPerSlice = (long)g.OutH * g.OutW;
        float* row = _cols + (s - _firstSlice) * rowsPerSlice * RowLength;
        for (int oh = 0; oh < g.OutH; oh++)
            for (int ow = 0; ow < g.OutW; ow++)
                for (int kd = 0; kd < g.KernelD; kd++)
                {
                    int id = od * g.StrideD - g.PadFront + kd * g.DilationD;
                    for (int kh = 0; kh < g.KernelH; kh++)
                    {
                        int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                        bool inside = (uint)id < (uint)g.InD && (uint)ih < (uint)g.InH;
                        for (int kw = 0; kw < g.KernelW; kw++, row += cin)
                        {
                            int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                            if (!inside || (uint)iw >= (uint)g.InW)
                            {
                                if (!_scatter) new Span<float>(row, cin).Clear();
                                continue;
                            }
                            int at = (((n * g.InD + id) * g.InH + ih) * g.InW + iw) * g.InC + _channel0;
                            KernelBounds.Range(at, cin, g.InputLength);
                            float* voxel = _volume + at;
                            if (_scatter) Add(voxel, row, cin);
                            else Copy(row, voxel, cin);
                        }
                    }
                }
    }

    private static void Copy(float* to, float* from, int count)
    {
        if (count >= 8) Buffer.MemoryCopy(from, to, count * sizeof(float), count * sizeof(float));
        else for (int i = 0; i < count; i++) to[i] = from[i];
    }

    private static void Add(float* to, float* from, int count)
    {
        if (count >= 8) TensorPrimitives.Add(new ReadOnlySpan<float>(to, count), new ReadOnlySpan<float>(from, count), new Span<float>(to, count));
        else for (int i = 0; i < count; i++) to[i] += from[i];
    }
}
