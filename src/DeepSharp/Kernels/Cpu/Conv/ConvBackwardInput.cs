namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Convolution input gradient: per output pixel, dcol = dy·Wᵀ (a micro-kernel call with the
/// kernel packed transposed, vectorised over the K = KH·KW·Cin taps), then dcol is added back
/// onto the input pixels it came from (col2im). One work item per image, so every dx element is
/// updated by one thread in a fixed order: results do not depend on the thread count.
/// </summary>
internal sealed unsafe class ConvBackwardInput : IParallelBody
{
    private const int Segment = 32;

    [ThreadStatic] private static ConvBackwardInput? t_instance;

    private Conv2DGeometry _g;
    private float* _dy, _wT, _dx;
    private int* _identity;
    private int _kp;

    public static void Run(float* dy, float* w, float* dx, in Conv2DGeometry g)
    {
        if (g.OutputLength == 0 || g.InputLength == 0) return;
        var body = t_instance ??= new ConvBackwardInput();
        int k = g.KernelH * g.KernelW * g.InC, kp = ConvMicroKernel.Padded(k);
        body._g = g;
        body._dy = dy;
        body._dx = dx;
        body._kp = kp;
        body._wT = Scratch.Floats(Scratch.Packed, g.OutC * kp);
        ConvLayout.PackKernelTransposed(w, k, g.OutC, kp, body._wT);
        body._identity = Scratch.Ints(Scratch.Packed, g.OutC);
        for (int r = 0; r < g.OutC; r++) body._identity[r] = r;
        try { WorkerPool.Shared.For(g.Batch, body); }
        finally { body._dy = body._wT = body._dx = null; }
    }

    public void Execute(int n)
    {
        ref readonly var g = ref _g;
        float* dcol = Scratch.Floats(Scratch.TileA, Segment * _kp);
        float* image = _dx + (long)n * g.InH * g.InW * g.InC;
        for (int oh = 0; oh < g.OutH; oh++)
        for (int s = 0; s < g.OutW; s += Segment)
        {
            int count = Math.Min(Segment, g.OutW - s);
            float* dyRow = _dy + (((long)n * g.OutH + oh) * g.OutW + s) * g.OutC;
            ConvMicroKernel.Run(dyRow, g.OutC, _identity, g.OutC, _wT, _kp, _kp,
                dcol, _kp, count, _kp, null, accumulate: false);
            for (int j = 0; j < count; j++) ConvLayout.Col2ImPixel(dcol + j * _kp, g, oh, s + j, image);
        }
    }
}
