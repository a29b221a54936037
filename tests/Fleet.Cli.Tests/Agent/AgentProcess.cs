using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fleet.Cli.Tests.Agent;

/// <summary>A real `fleet` process (fleet.dll next to the tests) whose stderr lines are collected as they come, so a test can wait for one.</summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ConcurrentQueue<string> _stdout = new();

    private AgentProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public string Stderr => string.Join("\n", _stderr);

    public string Stdout => string.Join("\n", _stdout);

    public static AgentProcess Start(params string[] args)
    {
        var process = new Process { StartInfo = FleetProcess.StartInfo(args) };
        var self = new AgentProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                self._stderr.Enqueue(e.Data);
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                self._stdout.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return self;
    }

    /// <summary>Waits until a stderr line contains <paramref name="text"/>; fails with the output so far after the timeout or when the process exits first.</summary>
    public async Task WaitForStderrAsync(string text, int timeoutSeconds = 90)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        while (!_stderr.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (_process.HasExited)
            {
                await Task.Delay(100, CancellationToken.None); // let the last lines arrive
                if (_stderr.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }

                Assert.Fail($"fleet exited ({_process.ExitCode}) before printing '{text}':\n{Stderr}");
            }

            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"timed out waiting for '{text}':\n{Stderr}");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    /// <summary>Sends SIGTERM, as Slurm, Kubernetes and systemd do.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: the process gets no chance to clean up.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async Task<int> WaitForExitAsync(int timeoutSeconds = 300)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"fleet did not exit within {timeoutSeconds} s:\n{Stderr}");
        }

        _process.WaitForExit(); // flushes the asynchronous readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
