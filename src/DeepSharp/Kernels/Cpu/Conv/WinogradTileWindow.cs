namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The pointers a Winograd kernel-gradient tile reads (<see cref="WinogradF23KernelGradient"/>: 4×4 inputs
/// over 2×2 outputs; <see cref="WinogradF43KernelGradient"/>: 6×6 over 4×4): for the tile whose first output
/// is (oh, ow) of one image, the input window's positions, row-major, each Cin channels (the shared zero
/// row outside the input, i.e. in the padding), and the tile's dy positions, each Cout channels (the zero
/// row past the output's edge).
/// </summary>
internal static unsafe class WinogradTileWindow
{
    /// <summary>
    /// window[side·i + j] → input (oh − padTop + i, ow − padLeft + j) and dyTile[outputs·i + j] → dy (oh + i, ow + j),
    /// with side = outputs + 2 (a 3×3 kernel); <paramref name="zeros"/> (at least max(Cin, Cout) zeros) where outside.
    /// </summary>
    public static void Gather(float* image, float* dyImage, float* zeros, in Conv2DGeometry g, int oh, int ow, int outputs, float** window, float** dyTile)
    {
        int cin = g.InC, cout = g.OutC, side = outputs + 2;
        int ih0 = oh - g.PadTop, iw0 = ow - g.PadLeft;
        long imageInputs = (long)g.InH * g.InW * cin, imageOutputs = (long)g.OutH * g.OutW * cout;
        for (int i = 0; i < side; i++)
            for (int j = 0; j < side; j++)
            {
                int ih = ih0 + i, iw = iw0 + j;
                bool inside = (uint)ih < (uint)g.InH && (uint)iw < (uint)g.InW;
                if (inside) KernelBounds.Range(((long)ih * g.InW + iw) * cin, cin, imageInputs);
                window[side * i + j] = inside ? image + ((long)ih * g.InW + iw) * cin : zeros;
            }
        for (int i = 0; i < outputs; i++)
            for (int j = 0; j < outputs; j++)
            {
                bool inside = oh + i < g.OutH && ow + j < g.OutW;
                if (inside) KernelBounds.Range(((long)(oh + i) * g.OutW + ow + j) * cout, cout, imageOutputs);
                dyTile[outputs * i + j] = inside ? dyImage + ((long)(oh + i) * g.OutW + ow + j) * cout : zeros;
            }
    }
}
