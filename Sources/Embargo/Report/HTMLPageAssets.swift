/// The style sheet and the one script of the HTML report, inline so that the page is one file that
/// opens anywhere, without a server or anything fetched.
enum HTMLPageAssets {
    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;padding:0 1rem;color:#101828;max-width:1200px}
        h1{font-size:1.6rem;margin-bottom:.2rem} h2{margin-top:2rem;border-bottom:1px solid #eaecf0;padding-bottom:.3rem}
        h3{margin:0 0 .3rem;font-size:1.1rem} h3 code{font-size:.95rem}
        .meta{color:#475467} table{border-collapse:collapse;width:100%;margin:.5rem 0}
        th,td{border:1px solid #eaecf0;padding:.35rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
        th{background:#f9fafb} .verdict{font-weight:600;color:#fff;padding:.1rem .45rem;border-radius:.3rem;white-space:nowrap}
        code{font-size:.8rem;word-break:break-all} .evidence{margin:.3rem 0 0;padding-left:1.1rem}
        .chart text{font-size:12px;fill:#344054} .chart{max-width:100%;height:auto}
        section.group{border:1px solid #d0d5dd;border-radius:.5rem;padding:1rem;margin:1rem 0}
        .remove{background:#fef3f2;border-left:4px solid #b42318;padding:.5rem .8rem;margin:.6rem 0}
        .remove.clean{background:#ecfdf3;border-left-color:#079455}
        .remove ul{margin:.3rem 0;padding-left:1.2rem} .counts span{margin-right:.6rem;white-space:nowrap}
        tr.product-head th{background:#f2f4f7;font-size:.95rem}
        table.findings thead th:nth-child(1){width:7rem} table.findings thead th:nth-child(2){width:34%} table.findings thead th:nth-child(3){width:24%}
        details summary{cursor:pointer;color:#344054}
        #verdict-filter{border:1px solid #d0d5dd;border-radius:.5rem;padding:.4rem .8rem;margin:1rem 0}
        #verdict-filter label{margin-right:1rem;white-space:nowrap}
        .filtered-out{display:none}
        @media (max-width:700px){
          body{margin:1rem auto} table.findings thead{display:none}
          #summary-by-vendor{display:block;overflow-x:auto}
          table.findings tr,table.findings td,table.findings th{display:block;width:auto}
          table.findings tr{border-bottom:2px solid #d0d5dd}
          table.findings td{border:none;border-top:1px solid #eaecf0}
          table.findings td[data-label]::before{content:attr(data-label);display:block;font-weight:600;color:#475467;font-size:.8rem}
        }
        """

    /// Shows the verdict filter (hidden without scripts) and applies it: rows of unticked verdicts,
    /// products and groups left empty are hidden. The page's address may preset it
    /// (`report.html#show=prohibited,restricted`).
    static let script = """
        (function () {
          var filter = document.getElementById('verdict-filter');
          var boxes = Array.prototype.slice.call(filter.querySelectorAll('input[type=checkbox]'));
          function visible(scope) { return scope.querySelectorAll('tr[data-verdict]:not([hidden])').length; }
          function apply() {
            var shown = {};
            boxes.forEach(function (box) { shown[box.value] = box.checked; });
            document.querySelectorAll('tr[data-verdict]').forEach(function (row) { row.hidden = !shown[row.getAttribute('data-verdict')]; });
            document.querySelectorAll('tbody.product').forEach(function (body) { body.hidden = visible(body) === 0; });
            document.querySelectorAll('section.group').forEach(function (group) {
              var all = group.querySelectorAll('tr[data-verdict]').length;
              group.classList.toggle('filtered-out', all > 0 && visible(group) === 0);
            });
            document.getElementById('shown-count').textContent = String(visible(document));
          }
          var preset = /(?:^#|&)show=([a-z,]*)/.exec(window.location.hash);
          if (preset) {
            var wanted = preset[1].split(',');
            boxes.forEach(function (box) { box.checked = wanted.indexOf(box.value) >= 0; });
          }
          boxes.forEach(function (box) { box.addEventListener('change', apply); });
          filter.hidden = false;
          apply();
        })();
        """
}
