namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// The ConvLSTM formula written out with plain loops over time, pixels, filters and gates (no tensors,
/// no ops), in double: the oracle of ConvLstmTests. Everything is 3-D (depth, rows, columns); 1-D and
/// 2-D layers are the same with size-1 axes and kernels of 1 along them.
/// Per step: z = bias + Σ x·kernel (strides, dilation, padding) + Σ h·recurrent_kernel (stride 1, 'same'),
/// gates i, f, c, o (Keras's order); c = σ(z_f)·c + σ(z_i)·tanh(z_c); h = σ(z_o)·tanh(c).
/// A masked step keeps h and c and outputs the previous output (or zeros).
/// </summary>
internal static class ConvLstmReference
{
    public sealed record Geometry(int[] Input, int Channels, int[] Kernel, int[] Strides, int[] Dilation, bool Same, int Filters)
    {
        public int[] Output => [.. Enumerable.Range(0, 3).Select(a => OutputSize(a))];

        private int OutputSize(int a)
        {
            int effective = (Kernel[a] - 1) * Dilation[a] + 1;
            return Same ? (Input[a] + Strides[a] - 1) / Strides[a] : (Input[a] - effective) / Strides[a] + 1;
        }

        /// <summary>Keras's 'same' rule: total = max((⌈in/s⌉ − 1)·s + k_eff − in, 0), the smaller half before.</summary>
        public int PadBefore(int a, int input, int kernel, int stride, int dilation)
        {
            int effective = (kernel - 1) * dilation + 1;
            int output = (input + stride - 1) / stride;
            return Math.Max((output - 1) * stride + effective - input, 0) / 2;
        }
    }

    /// <summary>
    /// x (B, T, D, H, W, C) flattened; kernel (kd, kh, kw, C, 4F); recurrentKernel (kd, kh, kw, F, 4F); bias (4F) or null;
    /// mask (B, T) or null; h0, c0 (B, OD, OH, OW, F) or null. Returns every step's output (in processing order) and the final h and c.
    /// </summary>
    public static (double[][] Outputs, double[] H, double[] C) Run(Geometry g, float[] x, int batch, int time, float[] kernel, float[] recurrentKernel,
        float[]? bias, bool goBackwards = false, float[]? mask = null, bool zeroOutputForMask = false, float[]? h0 = null, float[]? c0 = null,
        Func<double, double>? activation = null)
    {
        activation ??= Math.Tanh;
        int f = g.Filters, cin = g.Channels;
        var o = g.Output;
        int pixels = o[0] * o[1] * o[2], stateSize = batch * pixels * f;
        int inputPixels = g.Input[0] * g.Input[1] * g.Input[2];
        var h = h0 is null ? new double[stateSize] : [.. h0.Select(v => (double)v)];
        var c = c0 is null ? new double[stateSize] : [.. c0.Select(v => (double)v)];
        var previous = new double[stateSize];
        var outputs = new double[time][];
        for (int s = 0; s < time; s++)
        {
            int t = goBackwards ? time - 1 - s : s;
            var hNew = new double[stateSize];
            var cNew = new double[stateSize];
            for (int b = 0; b < batch; b++)
                for (int p = 0; p < pixels; p++)
                {
                    int od = p / (o[1] * o[2]), oh = p / o[2] % o[1], ow = p % o[2];
                    var z = new double[4 * f];
                    for (int j = 0; j < 4 * f; j++)
                    {
                        double sum = bias?[j] ?? 0.0;
                        // Input convolution.
                        for (int kd = 0; kd < g.Kernel[0]; kd++)
                            for (int kh = 0; kh < g.Kernel[1]; kh++)
                                for (int kw = 0; kw < g.Kernel[2]; kw++)
                                {
                                    int id = InputIndex(g, 0, od, kd), ih = InputIndex(g, 1, oh, kh), iw = InputIndex(g, 2, ow, kw);
                                    if (id < 0 || ih < 0 || iw < 0) continue;
                                    int pixel = (id * g.Input[1] + ih) * g.Input[2] + iw;
                                    for (int ci = 0; ci < cin; ci++)
                                        sum += x[((b * time + t) * inputPixels + pixel) * cin + ci]
                                            * kernel[((((kd * g.Kernel[1]) + kh) * g.Kernel[2] + kw) * cin + ci) * 4 * f + j];
                                }
                        // Recurrent convolution: stride 1, 'same', no dilation, over the state's own size.
                        for (int kd = 0; kd < g.Kernel[0]; kd++)
                            for (int kh = 0; kh < g.Kernel[1]; kh++)
                                for (int kw = 0; kw < g.Kernel[2]; kw++)
                                {
                                    int sd = od + kd - g.PadBefore(0, o[0], g.Kernel[0], 1, 1);
                                    int sh = oh + kh - g.PadBefore(1, o[1], g.Kernel[1], 1, 1);
                                    int sw = ow + kw - g.PadBefore(2, o[2], g.Kernel[2], 1, 1);
                                    if (sd < 0 || sd >= o[0] || sh < 0 || sh >= o[1] || sw < 0 || sw >= o[2]) continue;
                                    int q = (sd * o[1] + sh) * o[2] + sw;
                                    for (int fi = 0; fi < f; fi++)
                                        sum += h[(b * pixels + q) * f + fi]
                                            * recurrentKernel[((((kd * g.Kernel[1]) + kh) * g.Kernel[2] + kw) * f + fi) * 4 * f + j];
                                }
                        z[j] = sum;
                    }
                    for (int u = 0; u < f; u++)
                    {
                        int at = (b * pixels + p) * f + u;
                        double i = Sigmoid(z[u]), fg = Sigmoid(z[f + u]), cc = activation(z[2 * f + u]), og = Sigmoid(z[3 * f + u]);
                        cNew[at] = fg * c[at] + i * cc;
                        hNew[at] = og * activation(cNew[at]);
                    }
                }
            var output = new double[stateSize];
            for (int b = 0; b < batch; b++)
            {
                bool keep = mask is null || mask[b * time + t] != 0f;
                for (int e = b * pixels * f; e < (b + 1) * pixels * f; e++)
                {
                    if (keep) (h[e], c[e], output[e]) = (hNew[e], cNew[e], hNew[e]);
                    else output[e] = zeroOutputForMask ? 0.0 : previous[e];
                }
            }
            previous = output;
            outputs[s] = output;
        }
        return (outputs, h, c);
    }

    /// <summary>The input position a kernel tap reads along axis <paramref name="a"/>, or −1 in the padding.</summary>
    private static int InputIndex(Geometry g, int a, int outputIndex, int tap)
    {
        int before = g.Same ? g.PadBefore(a, g.Input[a], g.Kernel[a], g.Strides[a], g.Dilation[a]) : 0;
        int i = outputIndex * g.Strides[a] + tap * g.Dilation[a] - before;
        return i >= 0 && i < g.Input[a] ? i : -1;
    }

    private static double Sigmoid(double v) => 1.0 / (1.0 + Math.Exp(-v));
}
