using DeepSharp.Tensors;

namespace DeepSharp.Text;

/// <summary>
/// BERT's masking for masked-language-model pre-training (Devlin et al. 2019, keras_hub's
/// MaskedLMMaskGenerator): each non-padding token is chosen with probability <see cref="SelectionRate"/>
/// (15 %); of the chosen, 80 % become <see cref="MaskTokenId"/>, 10 % a random token and 10 % stay as
/// they are. The labels hold the original token at the chosen positions and <see cref="IgnoredLabel"/>
/// (−1) everywhere else, for <c>SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1)</c>: the
/// loss counts the chosen positions only. Seeded: the same tokens and seed give the same masks.
/// </summary>
public sealed class MaskedLanguageModelMasking
{
    /// <summary>The label of the positions that are not chosen (the loss's ignoreClass).</summary>
    public const int IgnoredLabel = -1;

    /// <param name="vocabularySize">Token ids of the text are in [0, vocabularySize); 0 is padding.</param>
    /// <param name="maskTokenId">The id of "[MASK]" (often <paramref name="vocabularySize"/>: one more than the text's ids, so the Embedding needs vocabularySize + 1 rows).</param>
    /// <param name="selectionRate">The probability that a non-padding token is chosen (BERT's 0.15), in (0, 1].</param>
    /// <param name="maskRate">Of the chosen tokens, the fraction replaced by [MASK] (0.8).</param>
    /// <param name="randomRate">Of the chosen tokens, the fraction replaced by a random token (0.1); the rest stay unchanged.</param>
    /// <param name="firstRandomId">The smallest id a random replacement may take (2: neither padding nor [UNK] for a <see cref="TextVectorizer"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A rate is outside its range, maskRate + randomRate exceeds 1, or the ids leave no token to draw.</exception>
    public MaskedLanguageModelMasking(int vocabularySize, int maskTokenId, float selectionRate = 0.15f, float maskRate = 0.8f, float randomRate = 0.1f, int firstRandomId = 2)
    {
        if (vocabularySize < 2) throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "The vocabulary needs padding and at least one token.");
        if (maskTokenId <= 0) throw new ArgumentOutOfRangeException(nameof(maskTokenId), maskTokenId, "[MASK] needs an id other than padding (0).");
        if (!(selectionRate > 0f && selectionRate <= 1f)) throw new ArgumentOutOfRangeException(nameof(selectionRate), selectionRate, "selectionRate must be in (0, 1].");
        if (!(maskRate >= 0f && randomRate >= 0f && maskRate + randomRate <= 1f))
            throw new ArgumentOutOfRangeException(nameof(maskRate), $"maskRate {maskRate} and randomRate {randomRate} must be ≥ 0 and sum to at most 1.");
        if (firstRandomId < 1 || firstRandomId >= vocabularySize)
            throw new ArgumentOutOfRangeException(nameof(firstRandomId), firstRandomId, $"Random tokens are drawn from [firstRandomId, {vocabularySize}): firstRandomId must be in [1, {vocabularySize}).");
        (VocabularySize, MaskTokenId, SelectionRate, MaskRate, RandomRate, FirstRandomId) = (vocabularySize, maskTokenId, selectionRate, maskRate, randomRate, firstRandomId);
    }

    /// <summary>The number of the text's token ids (padding included); [MASK] may lie outside it.</summary>
    public int VocabularySize { get; }
    /// <summary>The id written at the chosen positions that are masked.</summary>
    public int MaskTokenId { get; }
    /// <summary>The probability that a non-padding token is chosen.</summary>
    public float SelectionRate { get; }
    /// <summary>Of the chosen tokens, the fraction replaced by [MASK].</summary>
    public float MaskRate { get; }
    /// <summary>Of the chosen tokens, the fraction replaced by a random token.</summary>
    public float RandomRate { get; }
    /// <summary>The smallest id a random replacement takes; the largest is <see cref="VocabularySize"/> − 1.</summary>
    public int FirstRandomId { get; }

    /// <summary>
    /// The masked inputs and the labels of a batch of token ids (int32, any shape; 0 is padding and is
    /// never chosen): both int32 of the tokens' shape; the labels are the original ids at the chosen
    /// positions and <see cref="IgnoredLabel"/> elsewhere. The tokens are not changed.
    /// </summary>
    /// <exception cref="ArgumentException">The tokens are not int32, or an id is negative or not below VocabularySize (and not [MASK]).</exception>
    public (Tensor Inputs, Tensor Labels) Mask(Tensor tokens, long seed)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.DType != DType.Int32) throw new ArgumentException($"MaskedLanguageModelMasking: token ids must be int32; got {tokens.DType}.", nameof(tokens));
        var source = tokens.IntSpan;
        var inputs = new int[source.Length];
        var labels = new int[source.Length];
        var random = new RandomGenerator(seed);
        int randomCount = VocabularySize - FirstRandomId;
        for (int i = 0; i < source.Length; i++)
        {
            int id = source[i];
            if ((id < 0 || id >= VocabularySize) && id != MaskTokenId)
                throw new ArgumentException($"MaskedLanguageModelMasking: token id {id} at position {i} of {tokens.Shape} is outside [0, {VocabularySize}).", nameof(tokens));
            (inputs[i], labels[i]) = (id, IgnoredLabel);
            if (id == 0 || random.NextFloat() >= SelectionRate) continue;
            labels[i] = id;
            float action = random.NextFloat();
            if (action < MaskRate) inputs[i] = MaskTokenId;
            else if (action < MaskRate + RandomRate) inputs[i] = FirstRandomId + random.NextInt(randomCount);
        }
        return (Tensor.Wrap(inputs, tokens.Shape), Tensor.Wrap(labels, tokens.Shape));
    }
}
