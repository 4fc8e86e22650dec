using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// The tensor maths as members of <see cref="Tensor"/> (C# 14 extension members): operators
/// <c>+ − * /</c> with broadcasting and with floats on either side, unary minus, elementwise maths,
/// comparisons, reductions, products and shape ops, e.g. <c>((a - b) * (a - b)).Mean(axis: -1)</c>.
/// Each is one call to the <see cref="Ops"/> function of the same name, so it records its backward
/// rule when an input requires gradients. They live here, not in Tensors/, because Tensor sits
/// below Autograd; <c>using DeepSharp.Autograd;</c> brings them into scope.
/// </summary>
public static class TensorMath
{
    /// <summary>Operators and static functions on tensors.</summary>
    extension(Tensor)
    {
        /// <summary>a + b with broadcasting.</summary>
        public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);
        /// <summary>a − b with broadcasting.</summary>
        public static Tensor operator -(Tensor a, Tensor b) => Ops.Subtract(a, b);
        /// <summary>a · b elementwise, with broadcasting (MatMul is the matrix product).</summary>
        public static Tensor operator *(Tensor a, Tensor b) => Ops.Multiply(a, b);
        /// <summary>a / b elementwise, with broadcasting.</summary>
        public static Tensor operator /(Tensor a, Tensor b) => Ops.Divide(a, b);
        /// <summary>x + s elementwise.</summary>
        public static Tensor operator +(Tensor x, float s) => Ops.Add(x, s);
        /// <summary>s + x elementwise.</summary>
        public static Tensor operator +(float s, Tensor x) => Ops.Add(x, s);
        /// <summary>x − s elementwise.</summary>
        public static Tensor operator -(Tensor x, float s) => Ops.Subtract(x, s);
        /// <summary>s − x elementwise.</summary>
        public static Tensor operator -(float s, Tensor x) => Ops.Subtract(s, x);
        /// <summary>x · s elementwise.</summary>
        public static Tensor operator *(Tensor x, float s) => Ops.Multiply(x, s);
        /// <summary>s · x elementwise.</summary>
        public static Tensor operator *(float s, Tensor x) => Ops.Multiply(x, s);
        /// <summary>x / s elementwise.</summary>
        public static Tensor operator /(Tensor x, float s) => Ops.Divide(x, s);
        /// <summary>s / x elementwise.</summary>
        public static Tensor operator /(float s, Tensor x) => Ops.Divide(s, x);
        /// <summary>−x elementwise.</summary>
        public static Tensor operator -(Tensor x) => Ops.Negate(x);

        /// <summary>a where <paramref name="condition"/> is non-zero, else b, all three broadcast (<see cref="Ops.Where(Tensor, Tensor, Tensor)"/>).</summary>
        public static Tensor Where(Tensor condition, Tensor a, Tensor b) => Ops.Where(condition, a, b);
        /// <summary>a where <paramref name="condition"/> is non-zero, else the scalar b.</summary>
        public static Tensor Where(Tensor condition, Tensor a, float b) => Ops.Where(condition, a, b);
        /// <summary>The scalar a where <paramref name="condition"/> is non-zero, else b.</summary>
        public static Tensor Where(Tensor condition, float a, Tensor b) => Ops.Where(condition, a, b);
        /// <summary>Joins tensors along an existing <paramref name="axis"/> (<see cref="Ops.Concatenate"/>).</summary>
        public static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis = 0) => Ops.Concatenate(tensors, axis);
        /// <summary>Joins tensors of one shape along a new <paramref name="axis"/> (<see cref="Ops.Stack"/>).</summary>
        public static Tensor Stack(IReadOnlyList<Tensor> tensors, int axis = 0) => Ops.Stack(tensors, axis);
    }

    /// <summary>Elementwise maths, comparisons, reductions and shape ops on one tensor.</summary>
    extension(Tensor x)
    {
        /// <summary>eˣ.</summary>
        public Tensor Exp() => Ops.Exp(x);
        /// <summary>Natural logarithm.</summary>
        public Tensor Log() => Ops.Log(x);
        /// <summary>√x.</summary>
        public Tensor Sqrt() => Ops.Sqrt(x);
        /// <summary>x².</summary>
        public Tensor Square() => Ops.Square(x);
        /// <summary>x raised to <paramref name="exponent"/>.</summary>
        public Tensor Pow(float exponent) => Ops.Pow(x, exponent);
        /// <summary>x raised to <paramref name="exponent"/> elementwise, with broadcasting.</summary>
        public Tensor Pow(Tensor exponent) => Ops.Pow(x, exponent);
        /// <summary>|x|.</summary>
        public Tensor Abs() => Ops.Abs(x);
        /// <summary>−x.</summary>
        public Tensor Negate() => Ops.Negate(x);
        /// <summary>x clamped into [<paramref name="min"/>, <paramref name="max"/>].</summary>
        public Tensor Clip(float min, float max) => Ops.Clip(x, min, max);
        /// <summary>1 / (1 + e⁻ˣ).</summary>
        public Tensor Sigmoid() => Ops.Sigmoid(x);
        /// <summary>tanh(x).</summary>
        public Tensor Tanh() => Ops.Tanh(x);
        /// <summary>max(x, 0).</summary>
        public Tensor Relu() => Ops.Relu(x);
        /// <summary>Softmax along the last axis.</summary>
        public Tensor Softmax() => Ops.Softmax(x);

        /// <summary>1 where x = other (broadcast), else 0.</summary>
        public Tensor Equal(Tensor other) => Ops.Equal(x, other);
        /// <summary>1 where x = s, else 0.</summary>
        public Tensor Equal(float s) => Ops.Equal(x, s);
        /// <summary>1 where x ≠ other (broadcast), else 0.</summary>
        public Tensor NotEqual(Tensor other) => Ops.NotEqual(x, other);
        /// <summary>1 where x ≠ s, else 0.</summary>
        public Tensor NotEqual(float s) => Ops.NotEqual(x, s);
        /// <summary>1 where x &gt; other (broadcast), else 0.</summary>
        public Tensor Greater(Tensor other) => Ops.Greater(x, other);
        /// <summary>1 where x &gt; s, else 0.</summary>
        public Tensor Greater(float s) => Ops.Greater(x, s);
        /// <summary>1 where x ≥ other (broadcast), else 0.</summary>
        public Tensor GreaterEqual(Tensor other) => Ops.GreaterEqual(x, other);
        /// <summary>1 where x ≥ s, else 0.</summary>
        public Tensor GreaterEqual(float s) => Ops.GreaterEqual(x, s);
        /// <summary>1 where x &lt; other (broadcast), else 0.</summary>
        public Tensor Less(Tensor other) => Ops.Less(x, other);
        /// <summary>1 where x &lt; s, else 0.</summary>
        public Tensor Less(float s) => Ops.Less(x, s);
        /// <summary>1 where x ≤ other (broadcast), else 0.</summary>
        public Tensor LessEqual(Tensor other) => Ops.LessEqual(x, other);
        /// <summary>1 where x ≤ s, else 0.</summary>
        public Tensor LessEqual(float s) => Ops.LessEqual(x, s);

        /// <summary>Sum along <paramref name="axis"/>.</summary>
        public Tensor Sum(int axis, bool keepDims = false) => Ops.Sum(x, axis, keepDims);
        /// <summary>Sum along <paramref name="axes"/> (null: all, giving a scalar unless <paramref name="keepDims"/>).</summary>
        public Tensor Sum(int[]? axes = null, bool keepDims = false) => Ops.Sum(x, axes, keepDims);
        /// <summary>Mean along <paramref name="axis"/>.</summary>
        public Tensor Mean(int axis, bool keepDims = false) => Ops.Mean(x, axis, keepDims);
        /// <summary>Mean along <paramref name="axes"/> (null: all).</summary>
        public Tensor Mean(int[]? axes = null, bool keepDims = false) => Ops.Mean(x, axes, keepDims);
        /// <summary>Maximum along <paramref name="axis"/>.</summary>
        public Tensor Max(int axis, bool keepDims = false) => Ops.Max(x, axis, keepDims);
        /// <summary>Maximum along <paramref name="axes"/> (null: all).</summary>
        public Tensor Max(int[]? axes = null, bool keepDims = false) => Ops.Max(x, axes, keepDims);
        /// <summary>Minimum along <paramref name="axis"/>.</summary>
        public Tensor Min(int axis, bool keepDims = false) => Ops.Min(x, axis, keepDims);
        /// <summary>Minimum along <paramref name="axes"/> (null: all).</summary>
        public Tensor Min(int[]? axes = null, bool keepDims = false) => Ops.Min(x, axes, keepDims);
        /// <summary>Population variance along <paramref name="axis"/>.</summary>
        public Tensor Var(int axis, bool keepDims = false) => Ops.Var(x, axis, keepDims);
        /// <summary>Population variance along <paramref name="axes"/> (null: all).</summary>
        public Tensor Var(int[]? axes = null, bool keepDims = false) => Ops.Var(x, axes, keepDims);
        /// <summary>Population standard deviation along <paramref name="axis"/>.</summary>
        public Tensor Std(int axis, bool keepDims = false) => Ops.Std(x, axis, keepDims);
        /// <summary>Population standard deviation along <paramref name="axes"/> (null: all).</summary>
        public Tensor Std(int[]? axes = null, bool keepDims = false) => Ops.Std(x, axes, keepDims);
        /// <summary>Index of the first maximum along <paramref name="axis"/> (int32).</summary>
        public Tensor ArgMax(int axis, bool keepDims = false) => Ops.ArgMax(x, axis, keepDims);
        /// <summary>Flat index of the first maximum of all elements (rank-0 int32).</summary>
        public Tensor ArgMax() => Ops.ArgMax(x);
        /// <summary>Index of the first minimum along <paramref name="axis"/> (int32).</summary>
        public Tensor ArgMin(int axis, bool keepDims = false) => Ops.ArgMin(x, axis, keepDims);
        /// <summary>Flat index of the first minimum of all elements (rank-0 int32).</summary>
        public Tensor ArgMin() => Ops.ArgMin(x);

        /// <summary>Matrix product with batch broadcasting (<see cref="Ops.MatMul"/>).</summary>
        public Tensor MatMul(Tensor other) => Ops.MatMul(x, other);
        /// <summary>The same elements in a new shape (one size may be −1); recorded for autograd, unlike <see cref="Tensor.View(ReadOnlySpan{int})"/>.</summary>
        public Tensor Reshape(params int[] shape) => Ops.Reshape(x, shape);
        /// <summary>Removes every axis of size 1.</summary>
        public Tensor Squeeze() => Ops.Squeeze(x);
        /// <summary>Removes <paramref name="axis"/>, which must have size 1.</summary>
        public Tensor Squeeze(int axis) => Ops.Squeeze(x, axis);
        /// <summary>Inserts an axis of size 1 at <paramref name="axis"/>.</summary>
        public Tensor Unsqueeze(int axis) => Ops.Unsqueeze(x, axis);
        /// <summary>Swaps the last two axes.</summary>
        public Tensor Transpose() => Ops.Transpose(x);
        /// <summary>Swaps two axes.</summary>
        public Tensor Transpose(int axis0, int axis1) => Ops.Transpose(x, axis0, axis1);
        /// <summary>Reorders the axes: result axis k is axis <paramref name="perm"/>[k].</summary>
        public Tensor Permute(params int[] perm) => Ops.Permute(x, perm);
        /// <summary>Stretches to <paramref name="shape"/> by broadcasting.</summary>
        public Tensor BroadcastTo(params int[] shape) => Ops.BroadcastTo(x, new Shape(shape));
        /// <summary>Elements [start, start + length) of <paramref name="axis"/>.</summary>
        public Tensor Slice(int axis, int start, int length) => Ops.Slice(x, axis, start, length);
        /// <summary>The elements of <paramref name="range"/> along <paramref name="axis"/>, e.g. <c>t.Slice(1, 2..^1)</c>.</summary>
        public Tensor Slice(int axis, Range range) => Ops.Slice(x, axis, range);
        /// <summary>Index <paramref name="index"/> of <paramref name="axis"/>, that axis removed.</summary>
        public Tensor Select(int axis, int index) => Ops.Select(x, axis, index);
        /// <summary>One range per leading axis, the rest kept whole: PyTorch's <c>t[1:3, :-1]</c> is <c>t.Slice(1..3, ..^1)</c>.</summary>
        public Tensor Slice(params ReadOnlySpan<Range> ranges) => Ops.Slice(x, ranges);
        /// <summary>Row <paramref name="index"/> of the first axis (negative from the end), that axis removed: PyTorch's <c>t[i]</c>.</summary>
        public Tensor Select(int index) => Ops.Select(x, index);
        /// <summary>Row <paramref name="index"/> of the first axis (<c>^1</c> the last), that axis removed.</summary>
        public Tensor Select(Index index) => Ops.Select(x, index);
        /// <summary>Element <paramref name="index"/> of <paramref name="axis"/> (<c>^1</c> the last), that axis removed.</summary>
        public Tensor Select(int axis, Index index) => Ops.Select(x, axis, index);
        /// <summary>Splits <paramref name="axis"/> into <paramref name="parts"/> equal pieces.</summary>
        public Tensor[] Split(int parts, int axis = 0) => Ops.Split(x, parts, axis);
        /// <summary>Splits <paramref name="axis"/> into pieces of the given sizes.</summary>
        public Tensor[] Split(int[] sizes, int axis = 0) => Ops.Split(x, sizes, axis);
    }
}
