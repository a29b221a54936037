using System.Globalization;
using System.Text.Json;

namespace Fleet.Cli.Infer.Serve;

/// <summary>A <c>POST /v1/completions</c> body after validation (the OpenAI fields this server implements).</summary>
/// <param name="Prompt">Text to tokenize, or null when <paramref name="PromptTokens"/> is given.</param>
/// <param name="PromptTokens">Token ids as sent, or null for text.</param>
public sealed record CompletionRequest(
    string? Model, string? Prompt, IReadOnlyList<int>? PromptTokens, int MaxTokens, float Temperature, float TopP, long? Seed,
    bool Stream, bool IncludeUsage, bool IgnoreEos);

/// <summary>An OpenAI-style request error: message, the offending field and the HTTP status.</summary>
public sealed class CompletionRequestException(string message, string? param, int status = 400, string type = "invalid_request_error", string? code = null)
    : Exception(message)
{
    public string? Param { get; } = param;

    public int Status { get; } = status;

    public string Type { get; } = type;

    public string? Code { get; } = code;
}

/// <summary>Reads and checks a completions body field by field, so every error names its field as OpenAI's do.</summary>
public static class CompletionRequestParser
{
    /// <summary>max_tokens when the body leaves it out (OpenAI's default).</summary>
    public const int DefaultMaxTokens = 16;

    public static CompletionRequest Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new CompletionRequestException($"We could not parse the JSON body of your request: {ex.Message}", null);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CompletionRequestException("The request body must be a JSON object.", null);
            }

            string? model = null;
            if (Get(root, "model") is { } m)
            {
                model = m.ValueKind == JsonValueKind.String ? m.GetString() : throw Wrong("model", "a string");
            }

            var (prompt, tokens) = ReadPrompt(root);
            var maxTokens = Int(root, "max_tokens", DefaultMaxTokens, 1, int.MaxValue);
            var temperature = (float)Number(root, "temperature", 1, 0, 2);
            var topP = (float)Number(root, "top_p", 1, double.Epsilon, 1);
            long? seed = Get(root, "seed") is { } s ? (s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var v) ? v : throw Wrong("seed", "an integer")) : null;
            var stream = Bool(root, "stream");
            var includeUsage = false;
            if (Get(root, "stream_options") is { } options)
            {
                if (options.ValueKind != JsonValueKind.Object)
                {
                    throw Wrong("stream_options", "an object");
                }

                if (!stream)
                {
                    throw new CompletionRequestException("stream_options is only allowed when stream is true.", "stream_options");
                }

                includeUsage = Bool(options, "include_usage", "stream_options.include_usage");
            }

            var ignoreEos = Bool(root, "ignore_eos");
            if (Int(root, "n", 1, 1, int.MaxValue) != 1)
            {
                throw new CompletionRequestException("This server generates one choice per request: n must be 1.", "n");
            }

            if (Int(root, "best_of", 1, 1, int.MaxValue) != 1)
            {
                throw new CompletionRequestException("best_of must be 1.", "best_of");
            }

            if (Bool(root, "echo"))
            {
                throw new CompletionRequestException("echo is not supported.", "echo");
            }

            foreach (var unsupported in new[] { "logprobs", "stop", "suffix", "logit_bias" })
            {
                if (Get(root, unsupported) is not null)
                {
                    throw new CompletionRequestException($"{unsupported} is not supported by this server.", unsupported);
                }
            }

            foreach (var penalty in new[] { "presence_penalty", "frequency_penalty" })
            {
                if (Number(root, penalty, 0, -2, 2) != 0)
                {
                    throw new CompletionRequestException($"{penalty} is not supported by this server (only 0).", penalty);
                }
            }

            return new CompletionRequest(model, prompt, tokens, maxTokens, temperature, topP, seed, stream, includeUsage, ignoreEos);
        }
    }

    private static (string? Text, IReadOnlyList<int>? Tokens) ReadPrompt(JsonElement root)
    {
        var p = Get(root, "prompt") ?? throw new CompletionRequestException("you must provide a prompt parameter", "prompt");
        if (p.ValueKind == JsonValueKind.String)
        {
            return (p.GetString(), null);
        }

        if (p.ValueKind != JsonValueKind.Array)
        {
            throw Wrong("prompt", "a string, an array of token ids, or an array holding one of those");
        }

        if (p.GetArrayLength() == 0)
        {
            throw new CompletionRequestException("prompt must not be empty.", "prompt");
        }

        var first = p[0];
        if (first.ValueKind is JsonValueKind.String or JsonValueKind.Array)
        {
            if (p.GetArrayLength() != 1)
            {
                throw new CompletionRequestException("This server takes one prompt per request (got a batch of " + p.GetArrayLength().ToString(CultureInfo.InvariantCulture) + ").", "prompt");
            }

            return first.ValueKind == JsonValueKind.String ? (first.GetString(), null) : (null, TokenIds(first));
        }

        return (null, TokenIds(p));
    }

    private static List<int> TokenIds(JsonElement array)
    {
        var ids = new List<int>(array.GetArrayLength());
        var i = 0;
        foreach (var e in array.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var id) || id < 0)
            {
                throw new CompletionRequestException(string.Create(CultureInfo.InvariantCulture, $"prompt[{i}] must be a non-negative integer token id."), "prompt");
            }

            ids.Add(id);
            i++;
        }

        if (ids.Count == 0)
        {
            throw new CompletionRequestException("prompt must not be empty.", "prompt");
        }

        return ids;
    }

    private static JsonElement? Get(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private static CompletionRequestException Wrong(string name, string expected) => new($"{name} must be {expected}.", name);

    private static int Int(JsonElement o, string name, int fallback, int min, int max)
    {
        if (Get(o, name) is not { } v)
        {
            return fallback;
        }

        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var value))
        {
            throw Wrong(name, "an integer");
        }

        return value < min || value > max
            ? throw new CompletionRequestException(string.Create(CultureInfo.InvariantCulture, $"{name} must be at least {min}, got {value}."), name)
            : value;
    }

    private static double Number(JsonElement o, string name, double fallback, double min, double max)
    {
        if (Get(o, name) is not { } v)
        {
            return fallback;
        }

        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            throw Wrong(name, "a number");
        }

        return value < min || value > max
            ? throw new CompletionRequestException(string.Create(CultureInfo.InvariantCulture, $"{name} must be in [{(min == double.Epsilon ? "0 (exclusive)" : min.ToString(CultureInfo.InvariantCulture))}, {max}], got {value}."), name)
            : value;
    }

    private static bool Bool(JsonElement o, string name, string? param = null)
    {
        if (Get(o, name) is not { } v)
        {
            return false;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(param ?? name, "a boolean"),
        };
    }
}
