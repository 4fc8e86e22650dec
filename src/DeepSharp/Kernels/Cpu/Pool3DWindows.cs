using System.Numerics.Tensors;

namespace DeepSharp.Kernels.Cpu;

/// <summary>The parallel body of the 3-D pooling kernels: <c>_x</c> is x or dx, <c>_y</c> is y or dy.</summary>
internal sealed unsafe class Pool3DWindows : IParallelBody
{
    public enum Mode { MaxForward, MaxBackward, AvgForward, AvgBackward }

    [ThreadStatic] private static Pool3DWindows? t_instance;

    private Pool3DGeometry _g;
    private Mode _mode;
    private float* _x, _y;
    private int* _argmax;

    public static void Validate(in Pool3DGeometry g, int inputLength, int outputLength, string kernel)
    {
        g.Validate();
        if (inputLength != g.InputLength || outputLength != g.OutputLength)
            throw new ArgumentException($"{kernel} geometry {g} needs {g.InputLength} input and {g.OutputLength} output elements; got {inputLength} and {outputLength}.");
    }

    public static void Run(Mode mode, float* x, float* y, int* argmax, in Pool3DGeometry g)
    {
        if (g.OutputLength == 0 || g.InputLength == 0) return;
        var body = t_instance ??= new Pool3DWindows();
        (body._g, body._mode) = (g, mode);
        body._x = x;
        body._y = y;
        body._argmax = argmax;
        bool perSlice = mode is Mode.MaxForward or Mode.AvgForward;
        long work = (long)g.OutputLength * g.PoolD * g.PoolH * g.PoolW;
        try { WorkerPool.Shared.For(perSlice ? g.Batch * g.OutD : g.Batch, body, work); }
        finally { body._x = body._y = null; body._argmax = null; }
    }

    public void Execute(int index)
    {
        switch (_mode)
        {
            case Mode.MaxForward: MaxSlice(index / _g.OutD, index % _g.OutD); break;
            case Mode.AvgForward: AvgSlice(index / _g.OutD, index % _g.OutD, backward: false); break;
            case Mode.MaxBackward: MaxScatter(index); break;
            default:
                for (int od = 0; od < _g.OutD; od++) AvgSlice(index, od, backward: true);
                break;
        }
    }

    private void MaxSlice(int n, int od)
    {
        ref readonly var g = ref _g;
        int c = g.Channels;
        var (d0, d1) = Pool3DGeometry.Window(od, g.StrideD, g.PadFront, g.PoolD, g.InD);
        for (int oh = 0; oh < g.OutH; oh++)
        {
            var (h0, h1) = Pool3DGeometry.Window(oh, g.StrideH, g.PadTop, g.PoolH, g.InH);
            for (int ow = 0; ow < g.OutW; ow++)
            {
                var (w0, w1) = Pool3DGeometry.Window(ow, g.StrideW, g.PadLeft, g.PoolW, g.InW);
                int o = (((n * g.OutD + od) * g.OutH + oh) * g.OutW + ow) * c;
                KernelBounds.Range(o, c, g.OutputLength);
                float* y = _y + o;
                int* a = _argmax + o;
                if (d0 >= d1 || h0 >= h1 || w0 >= w1)
                {
                    new Span<float>(y, c).Clear();
                    new Span<int>(a, c).Fill(-1);
                    continue;
                }
                bool first = true;
                for (int id = d0; id < d1; id++)
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++)
                        {
                            int i = (((n * g.InD + id) * g.InH + ih) * g.InW + iw) * c;
                            KernelBounds.Range(i, c, g.InputLength);
                            float* x = _x + i;
                            if (first)
                            {
                                for (int k = 0; k < c; k++) { y[k] = x[k]; a[k] = i + k; }
                                first = false;
                                continue;
                            }
                            for (int k = 0; k < c; k++)
                                if (x[k] > y[k]) { y[k] = x[k]; a[k] = i + k; }
                        }
            }
        }
    }

    private void MaxScatter(int n)
    {
        int perSample = _g.OutD * _g.OutH * _g.OutW * _g.Channels;
        for (int o = n * perSample, end = o + perSample; o < end; o++)
        {
            int i = _argmax[o];
            KernelBounds.Check(i < _g.InputLength);
            if (i >= 0) _x[i] += _y[o];
        }
    }

    /// <summary>Forward: the means of slice (n, od). Backward: spreads its dy over dx.</summary>
    private void AvgSlice(int n, int od, bool backward)
    {
        ref readonly var g = ref _g;
        int c = g.Channels;
        var share = new Span<float>(Scratch.Floats(Scratch.TileA, c), c);
        var (d0, d1) = Pool3DGeometry.Window(od, g.StrideD, g.PadFront, g.PoolD, g.InD);
        for (int oh = 0; oh < g.OutH; oh++)
        {
            var (h0, h1) = Pool3DGeometry.Window(oh, g.StrideH, g.PadTop, g.PoolH, g.InH);
            for (int ow = 0; ow < g.OutW; ow++)
            {
                var (w0, w1) = Pool3DGeometry.Window(ow, g.StrideW, g.PadLeft, g.PoolW, g.InW);
                int o = (((n * g.OutD + od) * g.OutH + oh) * g.OutW + ow) * c;
                KernelBounds.Range(o, c, g.OutputLength);
                var y = new Span<float>(_y + o, c);
                int count = Math.Max(d1 - d0, 0) * Math.Max(h1 - h0, 0) * Math.Max(w1 - w0, 0);
                if (!backward) y.Clear();
                if (count == 0) continue;
                if (backward) TensorPrimitives.Divide(y, count, share);
                for (int id = d0; id < d1; id++)
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++)
                        {
                            int i = (((n * g.InD + id) * g.InH + ih) * g.InW + iw) * c;
                            KernelBounds.Range(i, c, g.InputLength);
                            var x = new Span<float>(_x + i, c);
                            if (backward) TensorPrimitives.Add(x, share, x);
                            else TensorPrimitives.Add(y, x, y);
                        }
                if (!backward) TensorPrimitives.Divide(y, count, y);
            }
        }
    }
}
