using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Connectionist temporal classification (Keras's CTC loss, "ctc"): −log P(labels | logits), summed over every
/// alignment of the label sequence to the frames (blanks and repeats in between), for sequence models whose
/// outputs are longer than their unaligned targets (speech, handwriting). As Keras: the targets are int labels
/// (batch, max_length) padded with 0, and class 0 is the blank, so real classes are 1..C − 1 and each sample's
/// label length is its number of nonzero labels; the predictions are logits (batch, frames, C) — no softmax on the
/// last layer, a log-softmax is taken here. Every frame counts, unless the predictions carry a mask (e.g. after
/// <c>Masking</c> and recurrent layers with <c>returnSequences</c>): then each sample's frames are its unmasked
/// ones, which must come first. For other blanks or explicit lengths use <see cref="Ops.CtcLoss"/>.
/// </summary>
public sealed class Ctc : Loss
{
    /// <inheritdoc/>
    public override string Name => "ctc";

    /// <summary>One loss per sample (batch,); +∞ for a sample whose labels cannot fit its frames.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not (batch, max_length) or the predictions not (batch, frames, classes).</exception>
    /// <exception cref="DeepSharpException">A label is outside [0, classes), or a padding 0 is followed by a label.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred) => Losses(yTrue, yPred, null);

    /// <summary>The predictions' mask (batch, frames) gives each sample's number of frames.</summary>
    private protected override Tensor? PerSampleWithMask(Tensor yTrue, Tensor yPred, Tensor mask) => Losses(yTrue, yPred, mask);

    private static Tensor Losses(Tensor yTrue, Tensor yPred, Tensor? mask)
    {
        if (yTrue.Rank != 2)
            throw new ShapeMismatchException($"CTC needs targets (batch, max_length) of int labels; got {yTrue.Shape}.");
        if (yPred.Rank != 3)
            throw new ShapeMismatchException($"CTC needs logits (batch, frames, classes); got {yPred.Shape}.");
        int batch = yPred.Shape[0], frames = yPred.Shape[1];
        var labelLengths = Tensor.IntTemp(new Shape(batch));
        var counts = labelLengths.IntSpan;
        int width = yTrue.Shape[1];
        for (int b = 0; b < batch; b++)
        {
            int n = 0;
            for (int i = 0; i < width; i++)
            {
                float v = yTrue.DType == DType.Int32 ? yTrue.IntSpan[b * width + i] : yTrue.Span[b * width + i];
                if (v == 0f) continue;
                if (n != i) throw new DeepSharpException($"CTC: sample {b} has label {v} at position {i} after the padding 0 (targets {yTrue.Shape}); labels come first, then 0s.");
                n++;
            }
            counts[b] = n;
        }
        var frameCounts = Tensor.IntTemp(new Shape(batch));
        var f = frameCounts.IntSpan;
        if (mask is null) f.Fill(frames);
        else
        {
            if (mask.Size != batch * frames)
                throw new ShapeMismatchException($"CTC: the predictions' mask {mask.Shape} needs one value per frame of logits {yPred.Shape}.");
            for (int b = 0; b < batch; b++)
            {
                int n = 0;
                for (int t = 0; t < frames; t++)
                {
                    bool set = mask.DType == DType.Int32 ? mask.IntSpan[b * frames + t] != 0 : mask.Span[b * frames + t] != 0f;
                    if (!set) continue;
                    if (n != t) throw new DeepSharpException($"CTC: sample {b}'s mask keeps frame {t} after a masked frame; the kept frames must come first (mask {mask.Shape}).");
                    n++;
                }
                f[b] = n;
            }
        }
        return Ops.CtcLoss(yPred, yTrue, labelLengths, frameCounts, blankIndex: 0);
    }
}
