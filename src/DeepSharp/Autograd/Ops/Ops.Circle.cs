using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>The circle loss's pair terms (Sun et al., 2020, as Keras's <c>keras.losses.circle</c>).</summary>
public static partial class Ops
{
    /// <summary>
    /// Circle loss per query row from pairwise cosine distances d (N queries, M references), N·M pairs:
    /// with margin m and scale γ, a positive pair scores sₚ = −γ·max(m + d, 0)·(m − d) and a negative pair
    /// sₙ = γ·max(1 + m − d, 0)·(1 − m − d); the row's loss is softplus(logsumexp sₚ + logsumexp sₙ) over its positive
    /// and its negative pairs. A row without a positive or without a negative pair has loss 0 (Keras's logsumexp of
    /// nothing is −∞) and no gradient. The gradient with respect to d is exact, the max(·, 0) weights included.
    /// </summary>
    /// <param name="distances">(N, M) pairwise distances (Keras: max(1 − cos, 0)).</param>
    /// <param name="positive">(N, M) 1 where the pair is a positive (same label), else 0; no gradient.</param>
    /// <param name="negative">(N, M) 1 where the pair is a negative (other label), else 0; no gradient.</param>
    /// <param name="gamma">γ, the scale.</param>
    /// <param name="margin">m, the relaxation margin.</param>
    /// <exception cref="ShapeMismatchException">The three tensors are not float (N, M) of one shape.</exception>
    public static Tensor CircleLoss(Tensor distances, Tensor positive, Tensor negative, float gamma, float margin)
    {
        if (distances.Rank != 2 || distances.DType != DType.Float32 || positive.Shape != distances.Shape || negative.Shape != distances.Shape)
            throw new ShapeMismatchException($"CircleLoss needs float distances (queries, references) and two masks of their shape; got {distances.Shape}, {positive.Shape}, {negative.Shape}.");
        int rows = distances.Shape[0], cols = distances.Shape[1];
        bool needed = OpNode.Needed(distances);
        var loss = Tensor.Temp(new Shape(rows));
        var gradient = needed ? Tensor.Temp(distances.Shape, clear: true) : null;
        var d = distances.Span;
        var pos = positive.Span;
        var neg = negative.Span;
        var losses = loss.Span;
        var scores = new double[cols];
        var slopes = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            int start = r * cols;
            // Each pair's score and ∂score/∂d; then the two log-sum-exps, each over its own pairs.
            double pLse = LogSumExp(d, pos, start, cols, scores, slopes, positive: true, gamma, margin, gradient, out double[]? pWeights);
            double nLse = LogSumExp(d, neg, start, cols, scores, slopes, positive: false, gamma, margin, gradient, out double[]? nWeights);
            if (double.IsNegativeInfinity(pLse) || double.IsNegativeInfinity(nLse)) { losses[r] = 0f; continue; }
            double z = pLse + nLse;
            losses[r] = (float)(z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z)));   // softplus
            if (gradient is null) continue;
            double sigmoid = 1 / (1 + Math.Exp(-z));
            var g = gradient.Span;
            for (int c = 0; c < cols; c++)
                g[start + c] = (float)(sigmoid * ((pWeights![c]) + nWeights![c]));
        }
        return gradient is not null ? new CircleNode(distances, gradient).Attach(loss) : loss;
    }

    /// <summary>
    /// logsumexp of the scores of the row's pairs that <paramref name="mask"/> selects (−∞ when none); with a gradient
    /// wanted, <paramref name="weights"/> gets each pair's softmax weight times ∂score/∂d (0 for pairs not selected).
    /// </summary>
    private static double LogSumExp(ReadOnlySpan<float> d, ReadOnlySpan<float> mask, int start, int cols, double[] scores, double[] slopes,
        bool positive, float gamma, float margin, Tensor? gradient, out double[]? weights)
    {
        weights = gradient is null ? null : new double[cols];
        double max = double.NegativeInfinity;
        for (int c = 0; c < cols; c++)
        {
            if (mask[start + c] == 0f) continue;
            double x = d[start + c];
            if (positive)
            {
                double a = margin + x;            // max(m + d, 0)·(m − d), scaled by −γ
                scores[c] = a > 0 ? -gamma * a * (margin - x) : 0;
                slopes[c] = a > 0 ? 2.0 * gamma * x : 0;
            }
            else
            {
                double b = 1 + margin - x;        // max(1 + m − d, 0)·(1 − m − d), scaled by γ
                scores[c] = b > 0 ? gamma * b * (1 - margin - x) : 0;
                slopes[c] = b > 0 ? gamma * (2.0 * x - 2.0) : 0;
            }
            max = Math.Max(max, scores[c]);
        }
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        for (int c = 0; c < cols; c++)
            if (mask[start + c] != 0f) sum += Math.Exp(scores[c] - max);
        if (weights is not null)
            for (int c = 0; c < cols; c++)
                if (mask[start + c] != 0f) weights[c] = Math.Exp(scores[c] - max) / sum * slopes[c];
        return max + Math.Log(sum);
    }

    private sealed class CircleNode(Tensor distances, Tensor gradient) : OpNode(distances)
    {
        public override string Name => "CircleLoss";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            int cols = distances.Shape[1];
            var d = dx.Span;
            var g = gradient.Span;
            var upstream = dy.Span;
            for (int i = 0; i < d.Length; i++) d[i] += upstream[i / cols] * g[i];
        }
    }
}
