using System.Text;
using System.Text.RegularExpressions;

namespace Fleet.Cli.Agent;

/// <summary>A result on disk waiting for the server: the document, the route it goes to and the agent that claimed its job (if any).</summary>
public sealed record SpooledResult(string RunId, string Path, string DocumentFile, string? AgentId = null)
{
    public string ReadDocument() => File.ReadAllText(DocumentFile, Encoding.UTF8);
}

/// <summary>
/// Results are written here (flushed to disk) before they are posted and stay until the server has them, so a crash or a
/// server restart loses nothing. <c>RUNID.result.json</c> is the exact document posted; <c>RUNID.post</c> names its route (first
/// line) and the agent that claimed the job (second line, optional).
/// Delivered results move to <c>sent/</c>, refused ones to <c>rejected/</c> with the server's reason.
/// </summary>
public sealed partial class ResultSpool
{
    private const string ResultSuffix = ".result.json";
    private const string RouteSuffix = ".post";

    public ResultSpool(string directory)
    {
        Directory = System.IO.Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>The default: <c>$XDG_STATE_HOME/fleet/spool/HOST</c> (or <c>~/.local/state/…</c>), per host so nodes sharing a home don't share a spool.</summary>
    public static string DefaultDirectory(string host)
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state))
        {
            state = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return System.IO.Path.Combine(state, "fleet", "spool", host);
    }

    /// <summary>Writes the document durably (fsync, then an atomic rename) before anything is sent.</summary>
    public SpooledResult Add(string runId, string path, string json, string? agentId = null)
    {
        if (!SafeRunId().IsMatch(runId))
        {
            throw new ArgumentException($"run id '{runId}' is not a plain id", nameof(runId));
        }

        if (agentId is not null && agentId.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException($"agent id '{agentId}' spans lines", nameof(agentId));
        }

        WriteDurably(File(runId, RouteSuffix), agentId is null ? path : path + "\n" + agentId);
        var document = File(runId, ResultSuffix);
        WriteDurably(document, json);
        return new SpooledResult(runId, path, document, agentId);
    }

    /// <summary>Every result not yet delivered, oldest first.</summary>
    public IReadOnlyList<SpooledResult> Pending() =>
        new DirectoryInfo(Directory).EnumerateFiles("*" + ResultSuffix)
            .OrderBy(f => f.LastWriteTimeUtc)
            .Select(f => (File: f, RunId: f.Name[..^ResultSuffix.Length]))
            .Where(x => System.IO.File.Exists(File(x.RunId, RouteSuffix)))
            .Select(x => (x.File, x.RunId, Route: System.IO.File.ReadAllText(File(x.RunId, RouteSuffix)).Split('\n', StringSplitOptions.TrimEntries)))
            .Select(x => new SpooledResult(x.RunId, x.Route[0], x.File.FullName, x.Route.Length > 1 && x.Route[1].Length > 0 ? x.Route[1] : null))
            .ToList();

    /// <summary>The server has it: keep a copy under <c>sent/</c>.</summary>
    public void MarkSent(SpooledResult result) => MoveTo(result, "sent", null);

    /// <summary>The server will never take it: move it under <c>rejected/</c> with the reason, so it is not re-posted forever.</summary>
    public void MarkRejected(SpooledResult result, string reason) => MoveTo(result, "rejected", reason);

    private void MoveTo(SpooledResult result, string folder, string? reason)
    {
        var target = System.IO.Path.Combine(Directory, folder);
        System.IO.Directory.CreateDirectory(target);
        if (reason is not null)
        {
            WriteDurably(System.IO.Path.Combine(target, result.RunId + ".reason.txt"), reason + "\n");
        }

        System.IO.File.Move(result.DocumentFile, System.IO.Path.Combine(target, result.RunId + ResultSuffix), overwrite: true);
        System.IO.File.Delete(File(result.RunId, RouteSuffix));
    }

    private string File(string runId, string suffix) => System.IO.Path.Combine(Directory, runId + suffix);

    private static void WriteDurably(string file, string text)
    {
        var temp = file + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        System.IO.File.Move(temp, file, overwrite: true);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex SafeRunId();
}
