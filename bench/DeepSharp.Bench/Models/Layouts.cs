using DsTensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Bench.Models;

/// <summary>Weight layouts from Keras's (DeepSharp's) to torch's, for copying one model's initial weights into its twin.</summary>
internal static class Layouts
{
    // (KH, KW, Cin, Cout) → (Cout, Cin, KH, KW)
    public static float[] ConvKernelToOihw(DsTensor k)
    {
        int kh = k.Shape[0], kw = k.Shape[1], cin = k.Shape[2], cout = k.Shape[3];
        var src = k.ToArray();
        var dst = new float[src.Length];
        for (int h = 0; h < kh; h++)
            for (int w = 0; w < kw; w++)
                for (int i = 0; i < cin; i++)
                    for (int o = 0; o < cout; o++)
                        dst[((o * cin + i) * kh + h) * kw + w] = src[((h * kw + w) * cin + i) * cout + o];
        return dst;
    }

    // Keras (in, out) with in in NHWC flatten order (h, w, c) → torch (out, in) with in in NCHW order (c, h, w).
    public static float[] DenseKernelNhwcToNchw(DsTensor k, int height, int width, int channels)
    {
        var src = k.ToArray();
        int outs = k.Shape[1];
        var dst = new float[src.Length];
        for (int h = 0; h < height; h++)
            for (int w = 0; w < width; w++)
                for (int c = 0; c < channels; c++)
                {
                    int nhwc = (h * width + w) * channels + c, nchw = (c * height + h) * width + w;
                    for (int o = 0; o < outs; o++) dst[o * (height * width * channels) + nchw] = src[nhwc * outs + o];
                }
        return dst;
    }

    public static float[] Transpose(float[] src, int rows, int cols)
    {
        var dst = new float[src.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
        return dst;
    }
}
