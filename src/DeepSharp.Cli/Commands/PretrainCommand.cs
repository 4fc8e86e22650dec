using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepSharp.Losses;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Text;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp pretrain spam --out E [--tied-head] [--tokenizer word|wordpiece|bpe] [--vocab N]</c>: masked-language-model
/// pre-training (BERT's 80/10/10 masking of 15 % of the tokens, masks drawn anew each epoch) of <see cref="PretrainPresets"/>'
/// encoder on the bodies of the training e-mails, without their labels, as whole words or as WordPiece or BPE subwords
/// learned from the same bodies. Writes E/encoder.safetensors after every epoch, with the vectorizer (the words, the
/// WordPiece pieces or the BPE merges) in its <c>text_vectorizer</c> metadata, which <c>train spam --encoder E</c> reads
/// and fine-tunes; for words also E/vocabulary.txt, as before.
/// </summary>
internal static class PretrainCommand
{
    private const int DefaultEpochs = 4;

    public static Command Create()
    {
        var pretrain = new Command("pretrain", "Pre-train an encoder without labels (masked language model).");
        pretrain.Subcommands.Add(Spam());
        return pretrain;
    }

    private static Command Spam()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write the encoder into (encoder.safetensors, vocabulary.txt).", Required = true };
        var epochs = CommonOptions.Positive("--epochs", $"Passes over the training bodies, each with fresh masks (default: {DefaultEpochs}).", DefaultEpochs);
        var batchSize = CommonOptions.Positive("--batch-size", "Bodies per gradient step.", 32);
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "A folder in the package's data layout (GROUP/ID.txt) instead of the fetched data set." };
        var tied = new Option<bool>("--tied-head") { Description = "Score the words with the token embedding's table (BERT's tied output head) instead of a Dense layer of their own." };
        var tokenizer = new Option<string>("--tokenizer")
        {
            Description = "Tokens: word (the most frequent words, [UNK] for the rest), wordpiece (BERT's subwords) or bpe (byte-pair merges), the subwords learned from the training bodies.",
            DefaultValueFactory = _ => "word",
        };
        tokenizer.AcceptOnlyFromAmong(PretrainPresets.Tokenizers);
        var vocab = new Option<int>("--vocab")
        {
            Description = $"Token ids, padding and [UNK] included (default: {PretrainPresets.MaxTokens}).",
            DefaultValueFactory = _ => PretrainPresets.MaxTokens,
        };
        vocab.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is var n && n is < 3 or > 200_000) r.AddError("--vocab must be from 3 to 200000.");
        });
        var command = new Command("spam", "Pre-train the small BERT of train spam --encoder on the SpamAssassin training bodies (no labels).")
            { output, epochs, batchSize, seed, threads, dataDir, tied, tokenizer, vocab };
        command.SetAction(result =>
        {
            DeepSharp.Threads.Count = result.GetValue(threads);
            RandomGenerator.SetGlobalSeed(result.GetValue(seed));
            return Run(result.GetValue(output)!, result.GetValue(epochs), result.GetValue(batchSize), result.GetValue(seed), result.GetValue(dataDir), result.GetValue(tied),
                result.GetValue(tokenizer)!, result.GetValue(vocab));
        });
        return command;
    }

    private static int Run(DirectoryInfo output, int epochs, int batchSize, long seed, DirectoryInfo? dataDir, bool tied, string tokenizer, int vocab)
    {
        var clock = Stopwatch.StartNew();
        // The training part of train spam's split: the e-mails it tests on are never seen here.
        var (split, _) = SpamPresets.Data(dataDir?.FullName);
        var vectorizer = PretrainPresets.LearnVectorizer(tokenizer, vocab, [.. split.Train.Select(PretrainPresets.Body)]);
        int vocabulary = vectorizer.VocabularySize;
        var tokens = PretrainPresets.Encode(vectorizer, split.Train);
        var validationTokens = PretrainPresets.Encode(vectorizer, split.Validation);
        var masking = new MaskedLanguageModelMasking(vocabulary, PretrainPresets.MaskId(vocabulary));
        var validation = masking.Mask(validationTokens, seed: 0); // the same masks every epoch: comparable losses
        Console.WriteLine($"SpamAssassin bodies: {split.Train.Count} training, {split.Validation.Count} validation (labels unused); " +
                          $"{vocabulary} {(tokenizer == "word" ? "words" : tokenizer + " tokens")} + [MASK]; ready in {clock.Elapsed.TotalSeconds:F1}s.");

        var model = PretrainPresets.MaskedLanguageModel(vocabulary, tied);
        model.TextVectorizer = vectorizer; // in the encoder file: train spam --encoder reads the same tokens
        model.Compile(new Adam(1e-3f), new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: MaskedLanguageModelMasking.IgnoredLabel));
        model.Summary();
        Console.WriteLine($"Pre-training: batch {batchSize}, {epochs} epochs, Adam, seed {seed}, {DeepSharp.Threads.Count} threads; 15 % of the words chosen, 80/10/10; " +
                          (tied ? "tied head (the token embedding's table scores the words)." : "untied head (a Dense layer scores the words)."));
        Directory.CreateDirectory(output.FullName);
        string modelPath = Path.Combine(output.FullName, PretrainPresets.ModelFile), vocabularyPath = Path.Combine(output.FullName, PretrainPresets.VocabularyFile);
        if (tokenizer == "word")
        {
            string temporary = vocabularyPath + ".tmp";
            File.WriteAllText(temporary, string.Join('\n', vectorizer.Vocabulary) + "\n"); // written whole, then renamed: never half a file
            File.Move(temporary, vocabularyPath, overwrite: true);
        }
        else if (File.Exists(vocabularyPath)) File.Delete(vocabularyPath); // a word vocabulary of an earlier run would not fit these tokens
        clock.Restart();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var (x, y) = masking.Mask(tokens, seed * 1000 + epoch);
            double train = model.Fit(x, y, batchSize, epochs: epoch + 1, initialEpoch: epoch, verbose: 0)["loss"][^1];
            double held = model.Evaluate(validation.Inputs, validation.Labels, batchSize)["loss"];
            model.Save(modelPath); // after every epoch (atomically): a stopped run leaves the last finished epoch's encoder
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Epoch {epoch + 1}/{epochs}: masked-word loss {train:F4} (training), {held:F4} (validation; uniform guess {Math.Log(vocabulary):F2}) - {clock.Elapsed.TotalSeconds:F0}s; saved"));
        }
        Console.WriteLine($"Wrote {modelPath}{(tokenizer == "word" ? " and " + vocabularyPath : " (its " + tokenizer + " tokenizer inside)")}; fine-tune with: deepsharp train spam --model transformer --encoder {output.FullName}");
        return 0;
    }
}
