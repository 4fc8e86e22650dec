using System.Text.RegularExpressions;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Cli;

/// <summary>`deepsharp pretrain spam` and `train spam --encoder/--labels/--from-scratch` on a small folder of e-mails.</summary>
public class PretrainCommandTests
{
    /// <summary>40 spam and 40 ham e-mails, each a header block then a body of typical words.</summary>
    private static string WriteEmails(TempFolder folder)
    {
        var random = new Random(6);
        string[] spamWords = ["buy", "cheap", "offer", "money", "click", "free"], hamWords = ["meeting", "lunch", "report", "notes", "tomorrow", "draft"];
        foreach (var (group, words) in new[] { ("spam-1", spamWords), ("easy-ham-1", hamWords) })
        {
            Directory.CreateDirectory(folder.File($"data/{group}"));
            for (int i = 0; i < 40; i++)
                File.WriteAllText(folder.File($"data/{group}/{i:D3}.txt"),
                    $"From: someone{i}@example.com\nSubject: note {i}\n\n" + string.Join(' ', Enumerable.Range(0, 20).Select(_ => words[random.Next(words.Length)])));
        }
        return folder.File("data");
    }

    [Fact]
    public async Task PretrainThenFineTuneOnAFewLabels()
    {
        using var folder = new TempFolder();
        string data = WriteEmails(folder);
        string encoder = folder.File("encoder");
        var (code, stdout, stderr) = await CliTests.Run(null, "pretrain", "spam", "--out", encoder, "--epochs", "1", "--data-dir", data, "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"Epoch 1/1: masked-word loss \d+\.\d+ \(training\), \d+\.\d+ \(validation", stdout);
        Assert.True(File.Exists(Path.Combine(encoder, "encoder.safetensors")));
        var vocabulary = File.ReadAllLines(Path.Combine(encoder, "vocabulary.txt"));
        Assert.Equal(["", "[UNK]"], vocabulary[..2]);
        Assert.DoesNotContain("subject", vocabulary); // bodies only: the header words are not learned

        (code, stdout, stderr) = await CliTests.Run(null, "train", "spam", "--model", "transformer", "--encoder", encoder, "--labels", "0.25",
            "--epochs", "1", "--batch-size", "8", "--data-dir", data, "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"fine-tuning .*: 34 weights loaded by layer name\): 1\d labelled e-mails \(25 % of 64, \d+ spam\)", stdout);
        Assert.Matches(@"Test accuracy: \d\.\d+ - precision \d\.\d+ - recall \d\.\d+ - F1 \d\.\d+", stdout);

        (code, stdout, stderr) = await CliTests.Run(null, "train", "spam", "--model", "transformer", "--encoder", encoder, "--from-scratch", "--labels", "0.25",
            "--epochs", "1", "--batch-size", "8", "--data-dir", data, "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains("model and vocabulary, fresh weights): ", stdout);
    }

    [Fact]
    public async Task ATiedHeadPretrainsAndItsFineTunedModelIsEvaluatedOnSpam()
    {
        using var folder = new TempFolder();
        string data = WriteEmails(folder);
        string encoder = folder.File("encoder"), tuned = folder.File("tuned");
        var (code, stdout, stderr) = await CliTests.Run(null, "pretrain", "spam", "--out", encoder, "--epochs", "1", "--data-dir", data, "--threads", "1", "--tied-head");
        Assert.True(code == 0, stderr);
        Assert.Contains("tied head (the token embedding's table scores the words)", stdout);
        var mlm = DeepSharp.Training.Model.Load(Path.Combine(encoder, "encoder.safetensors"));
        var embedding = Assert.IsType<DeepSharp.Nn.Layers.ReversibleEmbedding>(mlm.GetLayer("token_embedding"));
        Assert.True(embedding.TieWeights);
        Assert.DoesNotContain(mlm.Layers, l => l.Name == "mlm_logits");

        (code, stdout, stderr) = await CliTests.Run(null, "train", "spam", "--model", "transformer", "--encoder", encoder, "--labels", "0.5",
            "--epochs", "1", "--batch-size", "8", "--data-dir", data, "--threads", "1", "--out", tuned);
        Assert.True(code == 0, stderr);
        Assert.Contains("34 weights loaded by layer name", stdout);
        string accuracy = Regex.Match(stdout, @"Test accuracy: (\d\.\d+)").Groups[1].Value;

        // evaluate reads the bodies with the encoder's words (kept in the model file) and scores the same test e-mails.
        (code, stdout, stderr) = await CliTests.Run(null, "evaluate", Path.Combine(tuned, "model.safetensors"), "--data-dir", data, "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.Matches($@"8 test e-mails - loss: \d+\.\d+ - accuracy: {Regex.Escape(accuracy)}", stdout);
        Assert.Matches(@"spam class - precision \d\.\d+ - recall \d\.\d+ - F1 \d\.\d+", stdout);
    }

    [Theory]
    [InlineData("wordpiece", typeof(DeepSharp.Text.WordPieceTokenizer))]
    [InlineData("bpe", typeof(DeepSharp.Text.SubwordTokenizer))]
    public async Task PretrainOnSubwordsKeepsTheTokenizerInTheEncoderForFineTuningAndEvaluate(string tokenizer, Type type)
    {
        using var folder = new TempFolder();
        string data = WriteEmails(folder);
        string encoder = folder.File("encoder"), tuned = folder.File("tuned");
        var (code, stdout, stderr) = await CliTests.Run(null, "pretrain", "spam", "--out", encoder, "--epochs", "1", "--data-dir", data, "--threads", "1",
            "--tokenizer", tokenizer, "--vocab", "40");
        Assert.True(code == 0, stderr);
        Assert.Contains($"{tokenizer} tokens + [MASK]", stdout);
        Assert.False(File.Exists(Path.Combine(encoder, "vocabulary.txt")));
        var vectorizer = DeepSharp.Training.Model.Load(Path.Combine(encoder, "encoder.safetensors")).TextVectorizer!;
        Assert.IsType(type, vectorizer.Tokenizer);
        Assert.True(vectorizer.VocabularySize <= 40, $"{vectorizer.VocabularySize} ids");
        // Subwords of the bodies' words: a word never seen is spelled from pieces, not [UNK].
        var ids = vectorizer.Ids("cheaper offers");
        Assert.True(ids.Length >= 3, string.Join(' ', ids));

        (code, stdout, stderr) = await CliTests.Run(null, "train", "spam", "--model", "transformer", "--encoder", encoder, "--labels", "0.5",
            "--epochs", "1", "--batch-size", "8", "--data-dir", data, "--threads", "1", "--out", tuned);
        Assert.True(code == 0, stderr);
        Assert.Contains("34 weights loaded by layer name", stdout);
        string accuracy = Regex.Match(stdout, @"Test accuracy: (\d\.\d+)").Groups[1].Value;
        var model = DeepSharp.Training.Model.Load(Path.Combine(tuned, "model.safetensors"));
        Assert.IsType(type, model.TextVectorizer!.Tokenizer);
        Assert.Equal(vectorizer.Ids("cheap offer tomorrow"), model.TextVectorizer.Ids("cheap offer tomorrow"));

        (code, stdout, stderr) = await CliTests.Run(null, "evaluate", Path.Combine(tuned, "model.safetensors"), "--data-dir", data, "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.Matches($@"8 test e-mails - loss: \d+\.\d+ - accuracy: {Regex.Escape(accuracy)}", stdout);

        // predict reads raw text files with the same tokenizer: one line per file, the class and its probability.
        string texts = Directory.CreateDirectory(folder.File("texts")).FullName;
        File.WriteAllText(Path.Combine(texts, "a.txt"), "cheap offer click free money");
        File.WriteAllText(Path.Combine(texts, "b.txt"), "meeting notes for tomorrow");
        (code, stdout, stderr) = await CliTests.Run(null, "predict", Path.Combine(tuned, "model.safetensors"), texts);
        Assert.True(code == 0, stderr);
        Assert.Matches(@"a\.txt: [01] \((0\.[5-9]\d{3}|1\.0000)\)\r?\nb\.txt: [01] \(", stdout);
    }

    [Theory]
    [InlineData("--labels 0", "--labels must be a fraction in (0, 1]")]
    [InlineData("--labels 1.5", "--labels must be a fraction in (0, 1]")]
    [InlineData("--model lstm --encoder E", "--encoder needs --model transformer")]
    [InlineData("--from-scratch", "--from-scratch needs --encoder E")]
    public async Task TrainSpamRejectsBadArguments(string arguments, string message)
    {
        var (code, _, stderr) = await CliTests.Run(null, ["train", "spam", .. arguments.Split(' ')]);
        Assert.NotEqual(0, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public async Task PretrainRejectsAnUnknownTokenizerAndABadVocabulary()
    {
        var (code, _, stderr) = await CliTests.Run(null, "pretrain", "spam", "--out", "x", "--tokenizer", "sentencepiece");
        Assert.NotEqual(0, code);
        Assert.Contains("sentencepiece", stderr);
        (code, _, stderr) = await CliTests.Run(null, "pretrain", "spam", "--out", "x", "--vocab", "2");
        Assert.NotEqual(0, code);
        Assert.Contains("--vocab must be from 3 to 200000", stderr);
    }

    [Fact]
    public async Task MissingEncoderAndMissingOutAreClearErrors()
    {
        using var folder = new TempFolder();
        string data = WriteEmails(folder);
        var (code, _, stderr) = await CliTests.Run(null, "train", "spam", "--model", "transformer", "--encoder", folder.File("nowhere"), "--data-dir", data);
        Assert.NotEqual(0, code);
        Assert.Contains("does not exist; write one with: deepsharp pretrain spam --out", stderr);
        Assert.DoesNotMatch(new Regex(@"\n\s+at "), stderr); // one line, no stack trace

        (code, _, stderr) = await CliTests.Run(null, "pretrain", "spam", "--epochs", "1");
        Assert.NotEqual(0, code);
        Assert.Contains("--out", stderr);
    }
}
