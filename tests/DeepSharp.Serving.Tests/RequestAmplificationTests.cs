using DeepSharp.Nn.Layers;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// Requests whose few bytes become whole model inputs (hostile2): a text of two bytes is a sequence of
/// the vectorizer's length (up to 2²⁰ ids), a multipart part of ten bytes a whole image, allocated before
/// it is decoded. One request may make at most <see cref="TextInputs.MaxRequestValues"/> values.
/// </summary>
public class RequestAmplificationTests
{
    private const int Length = 1 << 20; // a vectorizer file's longest output_sequence_length

    private static ServedModel LongTextModel()
    {
        var tokens = Model.Input([Length], name: "tokens");
        var model = new Functional(tokens, new Dense(1).Call(new GlobalAveragePooling1D().Call(new Embedding(4, 1).Call(tokens))));
        model.TextVectorizer = new TextVectorizer(outputSequenceLength: Length).Adapt(["a b"]);
        return new ServedModel(model);
    }

    /// <summary>Finding: 256 empty texts (a 1 KB body) to a model of 2²⁰ positions allocated 1 GiB of ids; now a 413 before any is allocated.</summary>
    [Fact]
    public void ManyShortTextsToALongModelAre413()
    {
        var model = LongTextModel();
        Assert.Equal(Length * 2, TextInputs.Vectorize(model, ["a", "b"]).Length);
        var e = Assert.Throws<BadRequestException>(() => TextInputs.Vectorize(model, [.. Enumerable.Repeat("", 17)]));
        Assert.Equal(413, e.StatusCode);
        Assert.Contains("17 texts of 1048576 values", e.Message);
        Assert.Contains("send at most 16", e.Message);

        var parts = Enumerable.Repeat(new MultipartPart("tokens", null, "text/plain", "a"u8.ToArray()), 17).ToList();
        e = Assert.Throws<BadRequestException>(() => MultipartInputs.Parse(parts, model, 256));
        Assert.Equal(413, e.StatusCode);
        Assert.Contains("samples of input 'tokens'", e.Message);
    }
}
