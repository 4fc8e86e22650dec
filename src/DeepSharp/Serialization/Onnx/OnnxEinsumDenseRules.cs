using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// EinsumDense as the layer computes it (its <c>EinsumDensePlan</c>): Transpose the input to
/// (free…, contracted…), Reshape to rows, MatMul by the kernel permuted and flattened to
/// (contracted, kernel-only) at export, Reshape to (batch, free…, kernel-only…), Transpose to the
/// output's order, Add the bias (its Keras shape broadcasts), then the activation.
/// </summary>
internal static class OnnxEinsumDenseRules
{
    public static string EinsumDense(OnnxGraphBuilder g, EinsumDense layer, string x)
    {
        var plan = layer.Plan;
        string n = layer.Name;
        var kernelParameter = layer.Parameters.First(p => p.Name == "kernel");
        var kernel = kernelParameter.Value;
        float[] w = plan.KernelPermutation is { } perm ? Permuted(kernel.ToArray(), kernel.Shape.ToArray(), perm) : kernel.ToArray();
        string moved = plan.InputPermutation is { } p ? g.Transpose(x, n + "/to_rows_order", [.. p.Select(a => (long)a)]) : x;
        string rows = g.AddNode("Reshape", n + "/rows", [moved, g.AddInt64Initializer(n + "/rows_shape", -1, plan.Contracted)]);
        string y = g.AddNode("MatMul", n + "/matmul", [rows, g.AddInitializer(kernelParameter.Path, w, plan.Contracted, plan.KernelOnly)]);
        var bias = layer.Parameters.FirstOrDefault(q => q.Name == "bias");
        if (bias is not null && plan.BiasInProduct)
            y = g.AddNode("Add", n + "/bias_add", [y, g.AddInitializer(bias.Path, bias.Value.Span, plan.KernelOnly)]);
        y = g.AddNode("Reshape", n + "/product", [y, g.AddInt64Initializer(n + "/product_shape", [-1, .. plan.ProductDims.Select(d => (long)d)])]);
        if (plan.OutputPermutation is { } o) y = g.Transpose(y, n + "/to_output_order", [.. o.Select(a => (long)a)]);
        if (bias is not null && !plan.BiasInProduct)
            y = g.AddNode("Add", n + "/bias_add", [y, g.AddInitializer(bias.Path, bias.Value.Span, [.. bias.Shape.ToArray().Select(d => (long)d)])]);
        return OnnxActivations.Emit(g, layer.Activation, y, n);
    }

    /// <summary>The row-major values of a tensor of <paramref name="dims"/> permuted by <paramref name="perm"/> (output axis i is input axis perm[i]).</summary>
    private static float[] Permuted(float[] values, int[] dims, int[] perm)
    {
        int rank = dims.Length;
        var strides = new int[rank];
        for (int a = rank - 1, s = 1; a >= 0; s *= dims[a], a--) strides[a] = s;
        var result = new float[values.Length];
        var index = new int[rank];
        for (int i = 0; i < result.Length; i++)
        {
            int source = 0;
            for (int a = 0; a < rank; a++) source += index[a] * strides[perm[a]];
            result[i] = values[source];
            for (int a = rank - 1; a >= 0 && ++index[a] == dims[perm[a]]; a--) index[a] = 0;
        }
        return result;
    }
}
